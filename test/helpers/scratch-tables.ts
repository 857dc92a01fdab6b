/**
 * For tests that build tables by hand: a fresh temp folder per test, and one DuckDB connection per test
 * file to write their Parquet files (COPY … FIELD_IDS, VARIANT, …) and look inside them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

export interface Scratch {
  /** This test's temp folder. */
  readonly dir: string;
  readonly duck: DuckDBConnection;
}

export function scratchPerTest(name: string): Scratch {
  let dir = '';
  let duck: DuckDBConnection | undefined;
  beforeAll(async () => {
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => duck?.closeSync());
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `lakebench-${name}-`));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
    get duck() {
      if (!duck) throw new Error('DuckDB is not open yet');
      return duck;
    },
  };
}
