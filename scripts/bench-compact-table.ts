/** The 2,000-file Delta table bench-compact.ts compacts (local and on loopback S3): ~200 MB in 10 partitions of 200 files. */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Action } from '../core/formats/delta/actions';
import { newTableActions } from '../core/formats/delta/create';
import { commitKey } from '../core/formats/delta/log-files';
import { serializeActions } from '../core/formats/delta/parse';

export const FILES = 2000;
const PARTITIONS = 10;
const ROWS_PER_FILE = 8_000;
export const TARGET_SIZE = 128 * 1024 * 1024;

/** The 2,000 files, written by one partitioned COPY and moved into `day=<d>/part-<n>.parquet`, and a one-commit log. */
export async function makeTable(root: string): Promise<Map<string, string[]>> {
  const raw = path.join(root, 'raw');
  await mkdir(root, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(
    `COPY (SELECT i // ${ROWS_PER_FILE} AS f, '2026-01-' || lpad(((i // ${ROWS_PER_FILE}) % ${PARTITIONS} + 1)::VARCHAR, 2, '0') AS day,
             i AS id, (random() * 1e6)::INTEGER AS user_id, random() * 1000 AS amount, 'row-' || i AS label
           FROM range(${FILES * ROWS_PER_FILE}) t(i))
     TO '${raw}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (f), WRITE_PARTITION_COLUMNS false)`,
  );
  const table = path.join(root, 'table');
  const byDay = new Map<string, string[]>();
  const actions: Action[] = newTableActions({
    schema: {
      type: 'struct',
      fields: [
        { name: 'day', type: 'string', nullable: true },
        { name: 'id', type: 'long', nullable: true },
        { name: 'user_id', type: 'integer', nullable: true },
        { name: 'amount', type: 'double', nullable: true },
        { name: 'label', type: 'string', nullable: true },
      ],
    },
    partitionColumns: ['day'],
  });
  for (const folder of await readdir(raw)) {
    const f = Number(folder.split('=')[1]);
    const day = `2026-01-${String((f % PARTITIONS) + 1).padStart(2, '0')}`;
    const [name] = await readdir(path.join(raw, folder));
    const key = `day=${day}/part-${String(f).padStart(5, '0')}.parquet`;
    await mkdir(path.join(table, `day=${day}`), { recursive: true });
    // Files still carry `day` from the COPY; drop it so the files hold data columns only, as Delta writers do.
    const target = path.join(table, key);
    await connection.run(`COPY (SELECT * EXCLUDE (day) FROM '${path.join(raw, folder, name!)}') TO '${target}' (FORMAT parquet, COMPRESSION zstd)`);
    byDay.set(day, [...(byDay.get(day) ?? []), target]);
    const [meta] = (await connection.runAndReadAll(`SELECT file_size_bytes AS size FROM parquet_file_metadata('${target}')`)).getRowObjectsJS();
    actions.push({
      add: {
        path: key,
        partitionValues: { day },
        size: Number(meta!.size),
        modificationTime: 1_700_000_000_000 + f,
        dataChange: true,
        stats: JSON.stringify({ numRecords: ROWS_PER_FILE }),
      },
    });
  }
  connection.closeSync();
  instance.closeSync();
  await rm(raw, { recursive: true });
  await mkdir(path.join(table, '_delta_log'));
  await writeFile(path.join(table, commitKey(0)), serializeActions(actions));
  return byDay;
}

