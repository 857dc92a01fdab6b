/**
 * Finds tables under a store: Delta tables (a `_delta_log/` folder holding a commit or checkpoint) and
 * plain Parquet folders (Parquet files directly inside, or inside `k=v` hive partition folders).
 * Works on listings only (delimiter listing, one level at a time), so it is cheap on S3.
 */
import { mapWithConcurrency } from '../storage/concurrency';
import type { ListPage, ObjectStore } from '../storage/types';
import { LAKESIDE_LOG_DIR } from './lakeside/log';
import { COMPACTED_PREFIX } from './lakeside/reconcile';
import { STAGING_DATA_PREFIX } from './lakeside/staging';
import { DELTAS_DIR, MATERIALISED_DIR, materialisedTable } from './lakesync/deltas';

export type TableLayout = 'delta' | 'parquet' | 'lakesync' | 'lakeside' | 'des';

export interface FoundTable {
  /** Folder name of the table (for the root: the last segment of the location). */
  name: string;
  /** Prefix of the table relative to the store root, without trailing `/`; '' for the root itself. */
  key: string;
  layout: TableLayout;
}

export interface FindTablesOptions {
  /** How many folder levels below the root are searched (default 4). */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 4;
/** Listings in flight per folder level: enough to hide S3 latency without flooding the endpoint. */
const LIST_CONCURRENCY = 8;
/** Hive folders nest one level per partition column; deeper than this is not a partition layout. */
const MAX_HIVE_DEPTH = 8;
const DELTA_LOG = '_delta_log/';
const LAKESYNC_DAY = /^\d{4}-\d{2}-\d{2}\/?$/;
/** Commit `<20 digits>.json`, classic/multi-part checkpoint, v2 checkpoint `<20 digits>.checkpoint.<id>.parquet|json`. */
const DELTA_LOG_ENTRY = /^\d{20}\.(json|checkpoint(\.[^/]+)?\.(parquet|json))$/;
const HIVE_FOLDER = /^[^=/]+=[^/]*\/$/;

/** Everything in one folder (all pages of a delimiter listing). */
async function listFolder(store: ObjectStore, prefix: string): Promise<ListPage> {
  const all: ListPage = { objects: [], prefixes: [] };
  let token: string | undefined;
  do {
    const page = await store.list(prefix, { delimiter: true, token });
    all.objects.push(...page.objects);
    all.prefixes.push(...page.prefixes);
    token = page.nextToken;
  } while (token);
  return all;
}

/** Last path segment of a key or prefix (`a/b/` ⇒ `b/`, `a/b.parquet` ⇒ `b.parquet`). */
function lastSegment(keyOrPrefix: string): string {
  const trimmed = keyOrPrefix.endsWith('/') ? keyOrPrefix.slice(0, -1) : keyOrPrefix;
  return keyOrPrefix.slice(trimmed.lastIndexOf('/') + 1);
}

/** Spark, Hadoop and delta-rs keep bookkeeping in `.name` / `_name` entries; they are never data or tables. */
function isHidden(segment: string): boolean {
  return segment.startsWith('.') || segment.startsWith('_');
}

function isParquetDataFile(key: string): boolean {
  const name = lastSegment(key);
  return !isHidden(name) && name.toLowerCase().endsWith('.parquet');
}

async function hasDeltaLog(store: ObjectStore, tablePrefix: string): Promise<boolean> {
  let token: string | undefined;
  do {
    const page = await store.list(tablePrefix + DELTA_LOG, { delimiter: true, token });
    if (page.objects.some((o) => DELTA_LOG_ENTRY.test(lastSegment(o.key)))) return true;
    token = page.nextToken;
  } while (token);
  return false;
}

/** True when Parquet data sits in this folder or in nested `k=v` folders below it. */
async function holdsParquet(store: ObjectStore, folder: ListPage, hiveDepth = 0): Promise<boolean> {
  if (folder.objects.some((o) => isParquetDataFile(o.key))) return true;
  if (hiveDepth >= MAX_HIVE_DEPTH) return false;
  for (const sub of folder.prefixes) {
    if (!HIVE_FOLDER.test(lastSegment(sub))) continue;
    if (await holdsParquet(store, await listFolder(store, sub), hiveDepth + 1)) return true;
  }
  return false;
}

/** A LakeSync bucket flushes deltas into `deltas/<YYYY-MM-DD>/<gateway>/`. */
async function hasLakeSyncDeltas(store: ObjectStore, prefix: string): Promise<boolean> {
  const page = await store.list(prefix + DELTAS_DIR, { delimiter: true });
  return page.prefixes.some((p) => LAKESYNC_DAY.test(lastSegment(p)));
}

/** Its compactor keeps `materialised/<table>/current.parquet` (a bucket may hold only those once deltas are pruned). */
async function hasMaterialisedStates(store: ObjectStore, prefix: string): Promise<boolean> {
  const page = await store.list(prefix + MATERIALISED_DIR, { maxKeys: 100 });
  return page.objects.some((o) => materialisedTable(o.key.slice(prefix.length)) !== undefined);
}

async function classify(store: ObjectStore, prefix: string, folder: ListPage): Promise<TableLayout | undefined> {
  const has = (name: string) => folder.prefixes.includes(prefix + name);
  if (has(DELTA_LOG) && (await hasDeltaLog(store, prefix))) return 'delta';
  if (has(DELTAS_DIR) && (await hasLakeSyncDeltas(store, prefix))) return 'lakesync';
  if (has(MATERIALISED_DIR) && (await hasMaterialisedStates(store, prefix))) return 'lakesync';
  // A Lakeside bucket: its log, or staging and compacted folders side by side (before any compaction logged).
  if (has(LAKESIDE_LOG_DIR) || (has(STAGING_DATA_PREFIX) && has(COMPACTED_PREFIX))) return 'lakeside';
  if (folder.objects.some((o) => o.key.endsWith('.des'))) return 'des';
  if (await holdsParquet(store, folder)) return 'parquet';
  return undefined;
}

/** Layout of the table at the store root, or undefined when the root holds no table. */
export async function detectLayout(store: ObjectStore): Promise<TableLayout | undefined> {
  return classify(store, '', await listFolder(store, ''));
}

function tableName(store: ObjectStore, prefix: string): string {
  if (prefix !== '') return lastSegment(prefix).replace(/\/$/, '');
  const segments = store.url.split(/[/\\]/).filter((s) => s !== '');
  return segments[segments.length - 1] ?? store.url;
}

/** Every table under the store root, sorted by key; does not look inside a table it found. */
export async function findTables(store: ObjectStore, opts: FindTablesOptions = {}): Promise<FoundTable[]> {
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const found: FoundTable[] = [];

  async function visit(prefix: string, depth: number): Promise<void> {
    const folder = await listFolder(store, prefix);
    const layout = await classify(store, prefix, folder);
    if (layout) {
      found.push({ name: tableName(store, prefix), key: prefix.replace(/\/$/, ''), layout });
      return;
    }
    if (depth >= maxDepth) return;
    const children = folder.prefixes.filter((sub) => !isHidden(lastSegment(sub)));
    await mapWithConcurrency(children, LIST_CONCURRENCY, (sub) => visit(sub, depth + 1));
  }

  await visit('', 0);
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
