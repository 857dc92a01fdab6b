/**
 * Two processes write one Iceberg table at once through each commit path — a folder (put-if-absent
 * `vN.metadata.json`), a SQL catalog (UPDATE … WHERE metadata_location = old), a REST catalog (commit
 * with requirements): one appends one-row files (the test appender, or the engine's own append that
 * import and promote use), the other compacts again and again. No appended row
 * may be lost or duplicated; every compaction either commits (retried on a fresh state) or reports a
 * CONFLICT; the table verifies clean.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { RestCatalog } from '../../core/formats/iceberg/catalog/rest-catalog';
import { defaultStoreOpener } from '../../core/formats/iceberg/catalog/table-location';
import type { CommitTarget } from '../../core/formats/iceberg/commit';
import { FileSystemTarget, SqlCatalogTarget } from '../../core/formats/iceberg/commit-targets';
import { verifyIcebergTable } from '../../core/ops/verify/iceberg-table';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { LocalStore } from '../../core/storage/local';
import { ROOT } from '../helpers/cli-process';
import { writeSqlCatalog } from '../helpers/iceberg-catalogs';
import { icebergTestBed } from '../helpers/iceberg-test-bed';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { startRestCatalogServer } from '../helpers/rest-catalog-server';

const WORKER = path.join(ROOT, 'test/helpers/iceberg-writer-worker.ts');
const APPENDS = 15;
const COMPACTIONS = 6;

const bed = icebergTestBed('iceberg-concurrency');

function runWorker(mode: 'append' | 'import' | 'compact', target: string, count: number, writer: string): Promise<{ lines: Record<string, unknown>[]; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, mode, target, String(count), writer], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ lines: stdout.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>), stderr, code }));
  });
}

/** A table of 10 small files (writer `seed`, seq 0–9), catalog-style names or a folder's. */
async function seedTable(name: string, catalogNames: boolean): Promise<{ tableDir: string; metadataFile: string }> {
  const tableDir = path.join(bed.dir, name);
  const writer = new IcebergTestWriter(tableDir, bed.conn, {
    fields: [
      { id: 1, name: 'writer', type: 'string' },
      { id: 2, name: 'seq', type: 'long' },
    ],
    catalogNames,
    appendManifests: true,
  });
  for (let seq = 0; seq < 10; seq++) await writer.commit({ add: [{ sql: `SELECT 'seed' AS writer, ${seq}::BIGINT AS seq` }] });
  return { tableDir, metadataFile: path.join(tableDir, writer.lastMetadataKey) };
}

/** Runs an appender and a compactor at once and checks what they leave. */
async function appendWhileCompacting(target: string, reopen: () => CommitTarget, appendMode: 'append' | 'import' = 'append'): Promise<void> {
  const [appender, compactor] = await Promise.all([runWorker(appendMode, target, APPENDS, 'alpha'), runWorker('compact', target, COMPACTIONS, 'gamma')]);
  expect(appender.code, appender.stderr).toBe(0);
  expect(compactor.code, compactor.stderr).toBe(0);
  expect(appender.lines).toHaveLength(APPENDS);
  expect(compactor.lines).toHaveLength(COMPACTIONS);
  // Each compaction committed (maybe after retries) or reported its conflict; at least one did commit.
  for (const line of compactor.lines) expect('compacted' in line || 'conflict' in line).toBe(true);
  expect(compactor.lines.some((l) => typeof l.compacted === 'number' && l.compacted > 0)).toBe(true);

  const state = await reopen().load();
  const view = `t${Math.floor(Math.random() * 1e9)}`;
  await new IcebergSource(view, state.table).prepare(bed.conn, `SELECT * FROM ${view}`, undefined);
  const rows = (await bed.conn.runAndReadAll(`SELECT writer, seq FROM ${view} ORDER BY writer, seq`)).getRowObjectsJson();
  const expected = [...Array.from({ length: APPENDS }, (_, seq) => ({ writer: 'alpha', seq: String(seq) })), ...Array.from({ length: 10 }, (_, seq) => ({ writer: 'seed', seq: String(seq) }))];
  expect(rows).toEqual(expected);
  const report = await verifyIcebergTable(state.table.store, { metadataKey: state.table.metadataKey });
  expect(report.problems).toEqual([]);
}

it('a folder table (put-if-absent vN.metadata.json)', async () => {
  const { tableDir } = await seedTable('folder', false);
  await appendWhileCompacting(`folder:${tableDir}`, () => new FileSystemTarget(new LocalStore(tableDir)));
}, 240_000);

it('a SQL catalog table (UPDATE … WHERE metadata_location = old)', async () => {
  const { metadataFile } = await seedTable('sql', true);
  const catalog = path.join(bed.dir, 'catalog.db');
  writeSqlCatalog(catalog, [{ catalog: 'c', namespace: 'db', table: 't', metadataLocation: metadataFile }]);
  await appendWhileCompacting(`sql:${catalog}`, () => new SqlCatalogTarget({ path: catalog, catalogName: 'c', namespace: ['db'], name: 't', openStore: defaultStoreOpener() }));
}, 240_000);

it('a REST catalog table (commit with requirements)', async () => {
  const { metadataFile } = await seedTable('rest', true);
  const server = await startRestCatalogServer({
    token: 't',
    tables: [{ namespace: ['db'], name: 't', metadataLocation: metadataFile, metadataText: await readFile(metadataFile, 'utf8') }],
    writeMetadata: (location, text) => writeFile(location, text),
  });
  try {
    await appendWhileCompacting(`rest:${server.uri}`, () => new RestCatalog({ uri: server.uri, token: 't', openStore: defaultStoreOpener() }).commitTarget(['db'], 't'));
    expect(server.requests.filter((r) => r.method === 'POST').length).toBeGreaterThan(APPENDS);
  } finally {
    await server.stop();
  }
}, 240_000);

it('the engine\'s append (import, promote) against compactions: a folder table and a SQL catalog table', async () => {
  const folder = await seedTable('import-folder', false);
  await appendWhileCompacting(`folder:${folder.tableDir}`, () => new FileSystemTarget(new LocalStore(folder.tableDir)), 'import');
  const { metadataFile } = await seedTable('import-sql', true);
  const catalog = path.join(bed.dir, 'import-catalog.db');
  writeSqlCatalog(catalog, [{ catalog: 'c', namespace: 'db', table: 't', metadataLocation: metadataFile }]);
  await appendWhileCompacting(`sql:${catalog}`, () => new SqlCatalogTarget({ path: catalog, catalogName: 'c', namespace: ['db'], name: 't', openStore: defaultStoreOpener() }), 'import');
}, 480_000);
