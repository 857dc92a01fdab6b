/**
 * Delta tables as a TableFormat: the native format, read at any version or time and written by every
 * maintenance operation. Wraps DeltaTable (table.ts) and the session's Delta views; versions stay
 * numbers inside this folder and are text outside it.
 */
import { LakebenchError } from '../../errors';
import type { DeltaFileIndex } from '../../sql/delta-file-index';
import type { SqlSession } from '../../sql/session';
import type { ObjectStore } from '../../storage/types';
import { lastSegment } from '../folder-listing';
import { partitionEntries } from '../partition-entries';
import type { FolderListing, HistoryEntry, OpenContext, PageRequest, TableFormat, TableHandle, VersionRef, VersionsSummary } from '../table-format';
import { commonVersionRef } from '../version-ref';
import { columnId, physicalName } from './column-mapping';
import { featureNames } from './features';
import type { AddFile } from './actions';
import { fileEntry, liveRows } from './file-entries';
import { partitionValueOf } from './partition-values';
import { earliestReadableVersion, latestListedVersion, listLog } from './log-listing';
import { LOG_DIR } from './log-files';
import { DeltaTable, type Snapshot, type VersionSpec } from './table';

/** Commit `<20 digits>.json`, classic/multi-part checkpoint, v2 checkpoint `<20 digits>.checkpoint.<id>.parquet|json`. */
const LOG_ENTRY = /^\d{20}\.(json|checkpoint(\.[^/]+)?\.(parquet|json))$/;

/** `5` → version 5; anything but a whole number a Delta log can reach is refused. */
function parseDeltaVersion(text: string, object: string): VersionRef {
  const version = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(version)) {
    throw new LakebenchError('USAGE', `version must be a whole number ≥ 0 (a Delta table version), got "${text}"`, { object });
  }
  return { kind: 'id', id: String(version) };
}

/** The reader's spec for a ref the capabilities let through (id, time or latest). */
export function deltaVersionSpec(ref: VersionRef, object: string): VersionSpec {
  switch (ref.kind) {
    case 'latest':
      return {};
    case 'id':
      return { version: Number(ref.id) };
    case 'time':
      return { asOf: new Date(ref.at) };
    default:
      throw new LakebenchError('USAGE', `Delta tables have no ${ref.kind}s`, { object });
  }
}

class DeltaHandle implements TableHandle {
  readonly format = deltaFormat;

  constructor(
    readonly table: DeltaTable,
    private readonly context: OpenContext,
  ) {}

  get store(): ObjectStore {
    return this.table.store;
  }

  private snapshot(at: VersionRef): Promise<Snapshot> {
    return this.table.snapshot(deltaVersionSpec(at, this.store.url));
  }

  async history(upTo: VersionRef): Promise<HistoryEntry[]> {
    // Resolving through a snapshot gives the reader's own errors for missing versions and times.
    const last = upTo.kind === 'latest' ? undefined : (await this.snapshot(upTo)).version;
    const commits = await this.table.history();
    return commits
      .filter((c) => last === undefined || c.version <= last)
      .map((c) => ({
        version: String(c.version),
        ordinal: c.version,
        timestamp: new Date(c.timestamp).toISOString(),
        ...(c.operation !== undefined && { operation: c.operation }),
        ...(c.onlyDeletionVectors && { onlyDeletionVectors: true }),
        ...(c.operationParameters && { operationParameters: c.operationParameters }),
        ...(c.operationMetrics && { operationMetrics: c.operationMetrics }),
      }));
  }

  /** Versions readable from the log (the oldest checkpoint or version 0 up to the latest): one log listing. */
  async versions(): Promise<VersionsSummary> {
    const listing = await listLog(this.store);
    const latest = latestListedVersion(listing)!;
    return { count: latest - (earliestReadableVersion(listing) ?? latest) + 1, current: String(latest) };
  }

  /** Pages come from the table's file index (DuckDB), so a page costs the page, not the table. */
  async files(at: VersionRef, page?: PageRequest) {
    if (page) {
      const index = await this.fileIndex(at);
      const [{ total, rows }, live] = await Promise.all([index.files(page.offset, page.limit), index.liveRows()]);
      const files = rows.map((f) => fileEntry(f, index));
      return { location: this.store.url, version: String(index.version), files, total, ...(live !== undefined && { liveRows: live }) };
    }
    const snapshot = await this.snapshot(at);
    const files = snapshot.files.map((f) => fileEntry(f, snapshot));
    const live = liveRows(files);
    return { location: this.store.url, version: String(snapshot.version), files, ...(live !== undefined && { liveRows: live }) };
  }

  async partitions(at: VersionRef, page?: PageRequest) {
    if (page) {
      const index = await this.fileIndex(at);
      const { total, rows } = await index.partitions(page.offset, page.limit);
      const columns = index.partitionColumns;
      const partitions = rows.map(({ partitionValues, ...sums }) => ({
        partitionValues: Object.fromEntries(columns.map((c) => [c, partitionValueOf(index, { partitionValues } as AddFile, c)])),
        ...sums,
      }));
      return { location: this.store.url, version: String(index.version), partitionColumns: columns, partitions, total };
    }
    const snapshot = await this.snapshot(at);
    const files = snapshot.files.map((f) => fileEntry(f, snapshot));
    return {
      location: this.store.url,
      version: String(snapshot.version),
      partitionColumns: snapshot.partitionColumns,
      partitions: partitionEntries(files, snapshot.partitionColumns),
    };
  }

  private async fileIndex(at: VersionRef): Promise<DeltaFileIndex> {
    const { DeltaFileIndex } = await import('../../sql/delta-file-index');
    return DeltaFileIndex.shared(this.table, deltaVersionSpec(at, this.store.url), await this.context.cache());
  }

  async schema(at: VersionRef) {
    const snapshot = await this.snapshot(at);
    const mapped = snapshot.columnMapping !== 'none';
    return {
      location: this.store.url,
      version: String(snapshot.version),
      partitionColumns: snapshot.partitionColumns,
      fields: snapshot.schema.fields.map((field) => {
        const id = columnId(field);
        return {
          name: field.name,
          type: field.type,
          nullable: field.nullable,
          ...(mapped && { physicalName: physicalName(field, snapshot.columnMapping) }),
          ...(mapped && id !== undefined && { id }),
        };
      }),
      ...(mapped && { columnMapping: snapshot.columnMapping as 'name' | 'id' }),
      features: featureNames(snapshot.protocol, snapshot.metadata),
    };
  }

  async register(session: SqlSession, name: string, at: VersionRef): Promise<void> {
    await session.registerDelta(name, this.table, deltaVersionSpec(at, this.store.url));
  }
}

export const deltaFormat: TableFormat = {
  name: 'delta',
  title: 'Delta tables',
  capabilities: {
    views: ['history', 'schema', 'files', 'partitions', 'compare', 'quality', 'preview'],
    versionRefs: ['id', 'time'],
    operations: {
      import: {},
      delete: {},
      compact: {},
      'compact-staging': {},
      verify: {},
      orphans: {},
      vacuum: {},
      repack: {},
      checkpoint: {},
      expire: {},
      maintain: {},
    },
  },

  // One listing of `_delta_log/` answers both whether it exists and whether it holds a commit.
  async detect(folder: FolderListing) {
    return (await folder.find(LOG_DIR, (o) => LOG_ENTRY.test(lastSegment(o.key)))) !== undefined;
  },

  // A `_delta_log/` holding anything: verify reports that log even when no commit in it is readable.
  async resembles(folder: FolderListing) {
    return (await folder.find(LOG_DIR, () => true, { deep: true })) !== undefined;
  },

  parseVersion(text, object) {
    return commonVersionRef(text) ?? parseDeltaVersion(text, object);
  },

  async open(store, context) {
    return new DeltaHandle(await DeltaTable.open(store), context);
  },

  async verify(store, options) {
    const [{ checkDeltaLog }, { checkDataFiles, dataFilesReport }, { checkDeletionVectors }] = await Promise.all([
      import('../../ops/verify/delta-log-checks'),
      import('../../ops/verify/data-files'),
      import('../../ops/verify/deletion-vectors'),
    ]);
    const log = await checkDeltaLog(store, options);
    const dvProblems = await checkDeletionVectors(store, log.adds, options);
    return dataFilesReport(store.url, [...log.problems, ...dvProblems], await checkDataFiles(store, log.files, options));
  },
};
