/**
 * A private DuckDB database for one job, file-backed in the job's scratch folder so that big imports
 * spill to disk instead of memory. Removed with the scratch folder when the job ends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LakebenchError } from '../errors';

import type { ColumnType } from '../formats/row-types';

export type { ColumnType };

export interface ScratchDb {
  /** A folder private to the job (data files are written here before upload). */
  dir: string;
  connection: DuckDBConnection;
  signal?: AbortSignal;
  /** Throws CANCELLED when the job's signal has fired. */
  checkCancelled(): void;
}

/** Runs `job` with a fresh scratch folder and database, and removes both afterwards. */
export async function withScratchDb<T>(
  name: string,
  signal: AbortSignal | undefined,
  job: (db: ScratchDb) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `lakebench-${name}-`));
  const instance = await DuckDBInstance.create(join(dir, 'work.duckdb'), {
    // Nothing is downloaded at run time; parquet, json and icu are built in.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    temp_directory: join(dir, 'spill'),
  });
  const connection = await instance.connect();
  // Zone-less input timestamps are read as UTC, whatever the machine's zone.
  await connection.run(`SET TimeZone = 'UTC'`);
  const interrupt = () => connection.interrupt();
  signal?.addEventListener('abort', interrupt);
  const checkCancelled = () => {
    if (signal?.aborted) throw new LakebenchError('CANCELLED', `${name} cancelled`);
  };
  try {
    checkCancelled();
    return await job({ dir, connection, signal, checkCancelled });
  } catch (e) {
    if (signal?.aborted) throw new LakebenchError('CANCELLED', `${name} cancelled`, { cause: e });
    throw e;
  } finally {
    signal?.removeEventListener('abort', interrupt);
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function describe(connection: DuckDBConnection, query: string): Promise<ColumnType[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${query}`);
  return reader.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/** Rows of a query as plain JS objects (BIGINT as bigint). */
export async function queryRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS();
}
