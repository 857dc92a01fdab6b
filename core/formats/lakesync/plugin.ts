/**
 * A LakeSync bucket as a TableFormat: each of its tables is a SQL view under its own name, resolved
 * from the flushed deltas over the materialised states, at the latest HLC, at an HLC (`@<16–19 digits>`)
 * or at a time. The bucket view (tables, delta files, materialised states) is its own.
 */
import { LakebenchError } from '../../errors';
import type { SqlSession } from '../../sql/session';
import type { ObjectStore } from '../../storage/types';
import { lastSegment } from '../folder-listing';
import type { FolderListing, TableFormat, TableHandle, VersionRef } from '../table-format';
import { commonVersionRef } from '../version-ref';
import { DELTAS_DIR, MATERIALISED_DIR, materialisedTable } from './deltas';
import { hlcAtTime, parseHlc } from './hlc';

const LAKESYNC_DAY = /^\d{4}-\d{2}-\d{2}\/?$/;
/** Any HLC of a wall time after 1970-01-01T00:00:01Z has 16 digits or more; shorter numbers are not HLCs. */
const HLC_TEXT = /^\d{16,19}$/;

/** A LakeSync bucket flushes deltas into `deltas/<YYYY-MM-DD>/<gateway>/`. */
async function hasDeltas(folder: FolderListing): Promise<boolean> {
  return (await folder.has(DELTAS_DIR)) && (await folder.sub(DELTAS_DIR).list()).prefixes.some((p) => LAKESYNC_DAY.test(lastSegment(p)));
}

/** Its compactor keeps `materialised/<table>/current.parquet` (a bucket may hold only those once deltas are pruned). */
async function hasMaterialisedStates(folder: FolderListing): Promise<boolean> {
  if (!(await folder.has(MATERIALISED_DIR))) return false;
  const state = await folder.find(MATERIALISED_DIR, (o) => materialisedTable(o.key.slice(folder.prefix.length)) !== undefined, { deep: true });
  return state !== undefined;
}

function parseHlcRef(text: string, object: string): VersionRef {
  if (!HLC_TEXT.test(text)) {
    throw new LakebenchError('USAGE', `@${text}: a LakeSync bucket travels by HLC (16–19 digits) or ISO time`, { object });
  }
  return { kind: 'id', id: String(parseHlc(text, object)) };
}

/** The HLC a ref names (undefined = the latest state). */
function hlcOf(at: VersionRef, object: string): bigint | undefined {
  switch (at.kind) {
    case 'latest':
      return undefined;
    case 'id':
      return BigInt(at.id);
    case 'time':
      return hlcAtTime(at.at);
    default:
      throw new LakebenchError('USAGE', `LakeSync buckets have no ${at.kind}s`, { object });
  }
}

class LakeSyncHandle implements TableHandle {
  readonly format = lakeSyncFormat;

  constructor(readonly store: ObjectStore) {}

  /** Every table of the bucket becomes a view under its own name (`name` is not used). */
  async register(session: SqlSession, _name: string, at: VersionRef, options: { signal?: AbortSignal } = {}): Promise<void> {
    await session.registerLakeSync(this.store, { asOf: hlcOf(at, this.store.url), signal: options.signal });
  }
}

export const lakeSyncFormat: TableFormat = {
  name: 'lakesync',
  title: 'LakeSync buckets',
  capabilities: {
    views: ['lakesync', 'preview'],
    versionRefs: ['id', 'time'],
    operations: { verify: {}, 'lakesync-compact': {} },
  },

  async detect(folder) {
    return (await hasDeltas(folder)) || (await hasMaterialisedStates(folder));
  },

  parseVersion(text, object) {
    return commonVersionRef(text) ?? parseHlcRef(text, object);
  },

  async open(store) {
    return new LakeSyncHandle(store);
  },

  async verify(store, options) {
    const { verifyLakeSync } = await import('../../ops/verify/lakesync-bucket');
    return verifyLakeSync(store, options);
  },
};
