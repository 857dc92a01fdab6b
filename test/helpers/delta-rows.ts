/** Reads a Delta table's rows for assertions, through the SQL layer (SqlSession) like the app does. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeltaTable } from '../../core/formats/delta/table';
import { SqlSession } from '../../core/sql/session';
import { FileCache } from '../../core/storage/cache';
import type { ObjectStore } from '../../core/storage/types';

/** Runs `sql` against a view `t` of the table at its latest (or the given) version. */
export async function queryTable(store: ObjectStore, sql: string, version?: number): Promise<Record<string, unknown>[]> {
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-test-rows-'));
  const session = await SqlSession.create({ cache: new FileCache(cacheDir, 1 << 30) });
  try {
    await session.registerDelta('t', await DeltaTable.open(store), version === undefined ? undefined : { version });
    return (await session.query(sql)).rows;
  } finally {
    session.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}
