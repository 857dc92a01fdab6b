/**
 * `lakesync compact`: the resolved state of every table of a LakeSync bucket materialised into Delta
 * tables, one per LakeSync table at `<into>/<table>`, each replaced in one commit (an overwrite: rows
 * deleted in LakeSync leave the Delta table too, which a merge by rowId could not express).
 *
 * Idempotent: each commit carries a `txn` (appId `lakebench-lakesync`, version = the newest modification
 * time of the files it resolved: deltas and materialised current states). A flushed delta file is never
 * rewritten and a current state is replaced by a newer write, so a bucket whose files are all at or before
 * that time holds nothing new — even deltas with old HLCs arrive in new files — and the table is left alone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeltaTable } from '../formats/delta/table';
import { listLakeSyncFiles } from '../formats/lakesync/deltas';
import type { FileCache } from '../storage/cache';
import type { ObjectStore } from '../storage/types';
import { SqlSession } from '../sql/session';
import { quoteIdent, quoteLiteral } from '../sql-text';
import { importFiles } from './import';
import type { OpOptions } from './maintenance/operations';

export const LAKESYNC_TXN_APP = 'lakebench-lakesync';

export interface LakesyncCompactResult {
  tables: { table: string; location: string; version?: number; rows: number; upToDate: boolean }[];
  dryRun: boolean;
}

export async function lakesyncCompact(
  bucket: ObjectStore,
  into: ObjectStore,
  options: { dryRun?: boolean; cache?: FileCache } & OpOptions,
): Promise<LakesyncCompactResult> {
  const files = await listLakeSyncFiles(bucket);
  const newest = Math.max(0, ...files.map((f) => f.lastModified.getTime()));
  const session = await SqlSession.create({ cache: options.cache });
  const scratch = await mkdtemp(join(tmpdir(), 'lakebench-lakesync-compact-'));
  try {
    const tables = await session.registerLakeSync(bucket, { signal: options.signal });
    const result: LakesyncCompactResult = { tables: [], dryRun: options.dryRun ?? false };
    for (const [index, table] of tables.entries()) {
      options.onProgress?.({ phase: 'table', done: index, total: tables.length, bytes: 0 });
      const target = into.child(table);
      const consumed = (await DeltaTable.exists(target)) ? (await (await DeltaTable.open(target)).snapshot()).txns[LAKESYNC_TXN_APP]?.version : undefined;
      const rows = Number((await session.query(`SELECT count(*) AS n FROM ${quoteIdent(table)}`, { signal: options.signal })).rows[0]!.n);
      if (consumed !== undefined && consumed >= newest) {
        result.tables.push({ table, location: target.url, rows, upToDate: true });
        continue;
      }
      if (options.dryRun || rows === 0) {
        result.tables.push({ table, location: target.url, rows, upToDate: false });
        continue;
      }
      const file = join(scratch, `${index}.parquet`);
      await session.run(`COPY (SELECT * FROM ${quoteIdent(table)} ORDER BY "rowId") TO ${quoteLiteral(file)} (FORMAT parquet)`, { signal: options.signal });
      const imported = await importFiles(target, {
        inputs: [file],
        format: 'parquet',
        mode: 'overwrite',
        txn: { appId: LAKESYNC_TXN_APP, version: newest, lastUpdated: Date.now() },
        signal: options.signal,
      });
      result.tables.push({ table, location: target.url, version: imported.version, rows, upToDate: false });
    }
    options.onProgress?.({ phase: 'table', done: tables.length, total: tables.length, bytes: 0 });
    return result;
  } finally {
    session.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
