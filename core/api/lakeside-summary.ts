/**
 * The app's view of a Lakeside bucket (formats.md §2): the staging area per partition (files, bytes and
 * the records not compacted yet, as the real-time view counts them), the compacted Parquet files live in
 * the `_lakeside_log` replay, the reconcile report, and the row counts of the three SQL views. Reads only:
 * the log itself comes as history (LakebenchApi.history), compaction runs as a maintenance job.
 */
import { readLakesideLog } from '../formats/lakeside/log';
import { reconcileLakeside, type ReconcileReport } from '../formats/lakeside/reconcile';
import { listStagingSources, type StagingSource } from '../formats/lakeside/staging';
import { pendingSources } from '../formats/lakeside/run-manifests';
import type { SqlSession } from '../sql/session';
import { quoteIdent } from '../sql-text';
import type { LakebenchApi } from './api';
import type { LocationArgs } from './types';

export interface LakesideStagingPartition {
  /** `order_ts_hour=2026-11-23T08` (columns in folder order); '' for records outside partition folders. */
  partition: string;
  files: number;
  bytes: number;
  /** Records of these files the real-time view holds (records that break the schema are not counted). */
  records: number;
}

export interface LakesideCompactedFile {
  path: string;
  partition?: string;
  size?: number;
  rowCount?: number;
}

export interface LakesideSummary {
  location: string;
  /** Rows of the real-time view (`compacted` + `staged`). */
  rows: { realTime: number; compacted: number; staged: number };
  staging: LakesideStagingPartition[];
  /** Live after the last log entry, in log order. */
  compacted: LakesideCompactedFile[];
  reconcile: ReconcileReport;
  /** Versions in `_lakeside_log`. */
  logEntries: number;
}

/** The view's name inside the summary's own session. */
const VIEW = 'lakeside';

export async function lakesideSummary(api: LakebenchApi, where: LocationArgs): Promise<LakesideSummary> {
  const store = api.open(where);
  const [state, listed] = await Promise.all([readLakesideLog(store), listStagingSources(store)]);
  const [reconcile, sources] = await Promise.all([reconcileLakeside(store, state), pendingSources(store, state, listed)]);

  const { SqlSession: Session } = await import('../sql/session');
  const session = await Session.create({ cache: await api.cache(), threads: 2 });
  try {
    await session.registerLakeside(VIEW, store);
    const count = async (view: string) => Number((await session.query(`SELECT count(*) AS n FROM ${quoteIdent(view)}`)).rows[0]!.n);
    const rows = { realTime: await count(VIEW), compacted: await count(`${VIEW}_compacted`), staged: await count(`${VIEW}_staging`) };
    const records = await stagedRecordsByPartition(session, sources);
    const staging = new Map<string, LakesideStagingPartition>();
    for (const source of sources) {
      const partition = partitionLabel(source.partition);
      const entry = staging.get(partition) ?? { partition, files: 0, bytes: 0, records: records.get(partition) ?? 0 };
      entry.files += 1;
      entry.bytes += source.size;
      staging.set(partition, entry);
    }
    return {
      location: store.url,
      rows,
      staging: [...staging.values()].sort((a, b) => a.partition.localeCompare(b.partition)),
      compacted: [...state.live.values()].map((a) => ({ path: a.path, partition: a.partition, size: a.size, rowCount: a.rowCount })),
      reconcile,
      logEntries: state.entries.length,
    };
  } finally {
    session.close();
  }
}

/** Staged records per partition label, counted in the staging view (its partition columns are the folders'). */
async function stagedRecordsByPartition(session: SqlSession, sources: StagingSource[]): Promise<Map<string, number>> {
  const columns = [...new Set(sources.flatMap((s) => s.partition?.map((p) => p.column) ?? []))];
  if (sources.length === 0) return new Map();
  const select = columns.map((c, i) => `${quoteIdent(c)} AS p${i}`);
  const { rows } = await session.query(`SELECT ${[...select, 'count(*) AS n'].join(', ')} FROM ${quoteIdent(`${VIEW}_staging`)}${columns.length ? ' GROUP BY ALL' : ''}`);
  return new Map(
    rows.map((r) => [partitionLabel(columns.flatMap((column, i) => (r[`p${i}`] === null ? [] : [{ column, value: String(r[`p${i}`]) }]))), Number(r.n)]),
  );
}

function partitionLabel(partition: StagingSource['partition']): string {
  return (partition ?? []).map((p) => `${p.column}=${p.value}`).join('/');
}
