/**
 * A separate writer process for the Iceberg concurrency test, through one commit path: `append` commits
 * `count` one-row files (writer, seq) with the test appender, `import` the same rows through the engine's
 * append (ops/iceberg-append.ts, a CSV file each), `compact` runs `count` compactions (a
 * CONFLICT is reported, not fatal). Prints one JSON line per commit or conflict.
 *
 * Usage: node --import tsx test/helpers/iceberg-writer-worker.ts <append|import|compact> <target> <count> <writer>
 * where <target> is `folder:<path>`, `sql:<catalog file>` (catalog c, table db.t) or `rest:<uri>` (table db.t, token t).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isLakebenchError } from '../../core/errors';
import { RestCatalog } from '../../core/formats/iceberg/catalog/rest-catalog';
import { defaultStoreOpener } from '../../core/formats/iceberg/catalog/table-location';
import type { CommitTarget } from '../../core/formats/iceberg/commit';
import { FileSystemTarget, SqlCatalogTarget } from '../../core/formats/iceberg/commit-targets';
import { appendToIcebergTable } from '../../core/ops/iceberg-append';
import { compactIcebergTable } from '../../core/ops/iceberg-compact';
import { openLocation } from '../../core/storage/location';
import { appendRows } from './iceberg-appender';

function targetOf(text: string): CommitTarget {
  const [kind, ...rest] = text.split(':');
  const where = rest.join(':');
  if (kind === 'folder') return new FileSystemTarget(openLocation(where));
  if (kind === 'sql') return new SqlCatalogTarget({ path: where, catalogName: 'c', namespace: ['db'], name: 't', openStore: defaultStoreOpener() });
  return new RestCatalog({ uri: where, token: 't', openStore: defaultStoreOpener(), backoffMs: 5 }).commitTarget(['db'], 't');
}

async function main(): Promise<void> {
  const [mode, target, countArg, writer] = process.argv.slice(2) as [string, string, string, string];
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'lakebench-iceberg-worker-'));
  for (let seq = 0; seq < Number(countArg); seq++) {
    if (mode === 'import') {
      const file = path.join(scratch, `rows-${seq}.csv`);
      await writeFile(file, `writer,seq\n${writer},${seq}\n`);
      const result = await appendToIcebergTable(targetOf(target), { inputs: [file], attempts: 50 });
      console.log(JSON.stringify({ seq, snapshot: result.version }));
      continue;
    }
    if (mode === 'append') {
      const sql = `SELECT '${writer}' AS writer, ${seq}::BIGINT AS seq`;
      const snapshot = await appendRows(targetOf(target), conn, { sql, fieldIds: { writer: 1, seq: 2 } }, { attempts: 50 });
      console.log(JSON.stringify({ seq, snapshot }));
      continue;
    }
    try {
      const result = await compactIcebergTable(targetOf(target), { targetSize: 1 << 30, minFiles: 2 });
      console.log(JSON.stringify({ compacted: result.filesRemoved, attempts: result.attempts ?? 0 }));
    } catch (e) {
      if (!isLakebenchError(e, 'CONFLICT')) throw e;
      console.log(JSON.stringify({ conflict: e.message }));
    }
  }
  conn.closeSync();
  await rm(scratch, { recursive: true, force: true });
}

await main();
