/**
 * What the Iceberg write tests share: a temp folder served over loopback HTTP (so icebird, the independent
 * reader, can read the tables written in it) and a DuckDB connection, made before the file's tests and
 * removed after them.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startFolderServer } from './static-server';

export interface IcebergTestBed {
  /** The temp folder tables are written in. */
  dir: string;
  conn: DuckDBConnection;
  /** The folder's URL over HTTP (a table at `<dir>/t` is `<url>/t`). */
  url: string;
}

export function icebergTestBed(name: string): IcebergTestBed {
  const bed = {} as IcebergTestBed;
  let stop = async (): Promise<void> => undefined;
  beforeAll(async () => {
    bed.dir = await mkdtemp(path.join(os.tmpdir(), `lakebench-${name}-`));
    bed.conn = await (await DuckDBInstance.create(':memory:')).connect();
    await bed.conn.run(`SET TimeZone = 'UTC'`);
    const http = await startFolderServer(bed.dir);
    bed.url = http.url;
    stop = http.stop;
  });
  afterAll(async () => {
    bed.conn.closeSync();
    await stop();
    await rm(bed.dir, { recursive: true, force: true });
  });
  return bed;
}
