/**
 * Our reader against an independent one: a table written by the test writer (data files, a position
 * delete, an equality delete, a column added later) is served over loopback HTTP and read by icebird
 * (hyparam's Iceberg reader, which fetches metadata, manifests and Parquet by URL) and by Lakebench
 * through DuckDB. Both must return the same rows, so the tests are not only our writer against our reader.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { icebergRead } from 'icebird';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { LocalStore } from '../../core/storage/local';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { serveFolder } from '../helpers/static-server';

let dir: string;
let server: http.Server;
let conn: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-iceberg-icebird-'));
  server = serveFolder(dir);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  conn = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  conn.closeSync();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

it('icebird and Lakebench read the same rows from a table with position and equality deletes and an added column', async () => {
  const { port } = server.address() as AddressInfo;
  const tableDir = path.join(dir, 'pets');
  const location = `http://127.0.0.1:${port}/pets`;
  const fields = [
    { id: 1, name: 'id', type: 'long' },
    { id: 2, name: 'name', type: 'string' },
    { id: 3, name: 'legs', type: 'int' },
  ];
  // Small snapshot ids: icebird parses metadata with JSON.parse, which rounds ids above 2^53 together.
  const writer = new IcebergTestWriter(tableDir, conn, { fields, location, firstSnapshotId: 1000n });
  await writer.commit({ add: [{ sql: `SELECT range AS id, 'pet-' || range AS name, (range % 4)::INT AS legs FROM range(0, 30)` }] });
  await writer.commit({ add: [{ sql: `SELECT range AS id, 'pet-' || range AS name, 2::INT AS legs FROM range(30, 40)` }] });
  const first = writer.files()[0]!.path;
  await writer.commit({ operation: 'delete', positionDeletes: [{ rows: [3, 4, 17].map((pos) => ({ path: first, pos })) }] });
  await writer.commit({ operation: 'delete', equalityDeletes: [{ sql: `SELECT 35::BIGINT AS id`, equalityIds: [1] }] });
  await writer.commit({
    fields: [...fields, { id: 4, name: 'owner', type: 'string' }],
    add: [{ sql: `SELECT 100::BIGINT AS id, 'rex' AS name, 4::INT AS legs, 'ann' AS owner` }],
  });

  const theirs = await icebergRead({ tableUrl: location });
  const source = new IcebergSource('pets', await IcebergTable.open(new LocalStore(tableDir)));
  await source.prepare(conn, 'SELECT * FROM pets', undefined);
  const ours = (await conn.runAndReadAll('SELECT * FROM pets')).getRowObjectsJson();

  const normalize = (rows: Record<string, unknown>[]) =>
    rows
      .map((r) => ({ id: Number(r.id), name: r.name ?? null, legs: r.legs === null || r.legs === undefined ? null : Number(r.legs), owner: r.owner ?? null }))
      .sort((a, b) => a.id - b.id);
  expect(ours).toHaveLength(40 - 3 - 1 + 1);
  expect(normalize(ours)).toEqual(normalize(theirs as Record<string, unknown>[]));
  expect(normalize(ours).find((r) => r.id === 100)!.owner).toBe('ann');
  expect(normalize(ours).map((r) => r.id)).not.toContain(35);
});
