import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action, AddFile } from '../../core/formats/delta/actions';
import { readCheckpointParts } from '../../core/formats/delta/checkpoint-read';
import { FIXTURES } from '../helpers/fixtures';
const ADDS = 3000; // several Arrow batches (parquet-wasm reads 1024 rows per batch)

let dir: string;

/** A checkpoint written by DuckDB (an independent Parquet writer), with Spark's column layout plus `stats_parsed`. */
const CHECKPOINT_SQL = (file: string, from: number, to: number) => `
COPY (
  SELECT NULL::STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT) AS txn,
    {path: 'p=' || (i % 3)::VARCHAR || '/pärt-' || i::VARCHAR || '.parquet',
     partitionValues: MAP {'p': CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 3)::VARCHAR END},
     size: 1000 + i, modificationTime: 1700000000000 + i, dataChange: false,
     stats: CASE WHEN i % 2 = 0 THEN '{"numRecords":' || i::VARCHAR || '}' END,
     tags: NULL::MAP(VARCHAR, VARCHAR),
     stats_parsed: {numRecords: i::BIGINT}} AS add,
    NULL::STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN) AS remove,
    NULL::STRUCT(id VARCHAR, schemaString VARCHAR, partitionColumns VARCHAR[]) AS metaData,
    NULL::STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER) AS protocol
  FROM range(${from}, ${to}) t(i)
  UNION ALL SELECT {appId: 'app', version: 42, lastUpdated: NULL}, NULL, NULL, NULL, NULL WHERE ${from} = 0
  UNION ALL SELECT NULL, NULL, {path: 'gone.parquet', deletionTimestamp: 5, dataChange: false}, NULL, NULL WHERE ${from} = 0
  UNION ALL SELECT NULL, NULL, NULL, {id: 'table-id', schemaString: '{"type":"struct","fields":[]}', partitionColumns: ['p']}, NULL WHERE ${from} = 0
  UNION ALL SELECT NULL, NULL, NULL, NULL, {minReaderVersion: 1, minWriterVersion: 2} WHERE ${from} = 0
) TO '${file}' (FORMAT PARQUET)`;

function expectedAdd(i: number): AddFile {
  const add: AddFile = {
    path: `p=${i % 3}/pärt-${i}.parquet`,
    partitionValues: { p: i % 3 === 0 ? null : String(i % 3) },
    size: 1000 + i,
    modificationTime: 1700000000000 + i,
    dataChange: false,
  };
  if (i % 2 === 0) add.stats = `{"numRecords":${i}}`;
  return add;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-checkpoint-read-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(CHECKPOINT_SQL(path.join(dir, 'single.parquet'), 0, ADDS));
  await connection.run(CHECKPOINT_SQL(path.join(dir, 'part1.parquet'), 0, 1000));
  await connection.run(CHECKPOINT_SQL(path.join(dir, 'part2.parquet'), 1000, ADDS));
  connection.closeSync();
  instance.closeSync();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const kinds = (actions: Action[]) => actions.map((a) => Object.keys(a)[0]);
const adds = (actions: Action[]) => actions.flatMap((a) => ('add' in a ? [a.add] : [])).sort((a, b) => a.size - b.size);

describe('readCheckpointParts', () => {
  it('reads every action of a single-file checkpoint, dropping stats_parsed and null fields', async () => {
    const actions = readCheckpointParts([await readFile(path.join(dir, 'single.parquet'))], 'single.parquet');
    expect(kinds(actions).filter((k) => k !== 'add').sort()).toEqual(['metaData', 'protocol', 'remove', 'txn']);
    expect(adds(actions)).toEqual(Array.from({ length: ADDS }, (_, i) => expectedAdd(i)));
    expect(actions).toContainEqual({ txn: { appId: 'app', version: 42 } });
    expect(actions).toContainEqual({ remove: { path: 'gone.parquet', deletionTimestamp: 5, dataChange: false } });
    expect(actions).toContainEqual({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    expect(actions).toContainEqual({
      metaData: { id: 'table-id', schemaString: '{"type":"struct","fields":[]}', partitionColumns: ['p'] },
    });
  });

  it('reads all parts of a multi-part checkpoint', async () => {
    const parts = await Promise.all(['part1.parquet', 'part2.parquet'].map((f) => readFile(path.join(dir, f))));
    const actions = readCheckpointParts(parts, 'multi');
    expect(adds(actions)).toEqual(Array.from({ length: ADDS }, (_, i) => expectedAdd(i)));
    expect(actions.filter((a) => 'protocol' in a)).toHaveLength(1);
  });

  it('reads a Spark-era checkpoint with a commitInfo column and a txn (delta-0.2.0)', async () => {
    const file = path.join(FIXTURES, 'delta-rs/delta-0.2.0/_delta_log/00000000000000000003.checkpoint.parquet');
    const actions = readCheckpointParts([await readFile(file)], file);
    expect(actions.filter((a) => 'txn' in a)).toEqual([
      { txn: { appId: 'e4a20b59-dd0e-4c50-b074-e8ae4786df30', version: 0, lastUpdated: 1564524299648 } },
    ]);
    expect(kinds(actions)).not.toContain('commitInfo');
    for (const add of adds(actions)) expect(add.partitionValues).toEqual({});
  });

  it('fails with CORRUPT naming the file for bytes that are not Parquet', () => {
    expect(() => readCheckpointParts([new TextEncoder().encode('not parquet at all')], '/t/_delta_log/1.checkpoint.parquet')).toThrow(
      expect.objectContaining({ code: 'CORRUPT', object: '/t/_delta_log/1.checkpoint.parquet' }),
    );
  });
});
