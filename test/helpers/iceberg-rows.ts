/**
 * Reads an Iceberg table's rows for assertions, through the SQL layer (SqlSession) like the app does:
 * at every snapshot its current metadata holds, as canonical rows (crash-checks.ts), so a test can
 * prove that a cleanup kept what every retained snapshot reads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { SqlSession } from '../../core/sql/session';
import { FileCache } from '../../core/storage/cache';
import type { ObjectStore } from '../../core/storage/types';
import { canonicalRows } from './crash-checks';

/** Canonical rows per snapshot id of the table's current metadata (`current` too: the current state). */
export async function rowsBySnapshot(store: ObjectStore): Promise<Map<string, string[]>> {
  const table = await IcebergTable.open(store);
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-test-iceberg-rows-'));
  const session = await SqlSession.create({ cache: new FileCache(cacheDir, 1 << 30) });
  try {
    const rows = new Map<string, string[]>();
    const selectors = [{ name: 'current', selector: { kind: 'current' } as const }, ...table.metadata.snapshots.map((s) => ({ name: s.id, selector: { kind: 'id', id: s.id } as const }))];
    for (const [i, { name, selector }] of selectors.entries()) {
      await session.registerIceberg(`t${i}`, table, selector);
      rows.set(name, canonicalRows((await session.query(`SELECT * FROM t${i}`)).rows));
    }
    return rows;
  } finally {
    session.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}
