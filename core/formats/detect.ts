/**
 * Finds tables under a store: each folder's listing is classified by the registered formats (registry.ts),
 * first match wins. Works on listings only (delimiter listing, one level at a time), so it is cheap on S3.
 */
import { mapWithConcurrency } from '../storage/concurrency';
import type { ObjectStore } from '../storage/types';
import { isHidden, lastSegment, ListingPass } from './folder-listing';
import { tableFormats } from './registry';
import type { FolderListing, TableFormat } from './table-format';

export interface FoundTable {
  /** Folder name of the table (for the root: the last segment of the location). */
  name: string;
  /** Prefix of the table relative to the store root, without trailing `/`; '' for the root itself. */
  key: string;
  format: TableFormat;
}

export interface FindTablesOptions {
  /** How many folder levels below the root are searched (default 4). */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 4;
/** Listings in flight per folder level: enough to hide S3 latency without flooding the endpoint. */
const LIST_CONCURRENCY = 8;

async function classify(folder: FolderListing, resembling: boolean): Promise<TableFormat | undefined> {
  for (const format of tableFormats()) {
    if (await format.detect(folder)) return format;
  }
  if (!resembling) return undefined;
  for (const format of tableFormats()) {
    if (await format.resembles?.(folder)) return format;
  }
  return undefined;
}

/**
 * The format of the table at the store root, or undefined when the root holds none. `resembling` also
 * takes a folder shaped like a format whose content does not hold up (verify checks such tables).
 */
export async function detectFormat(store: ObjectStore, options: { resembling?: boolean } = {}): Promise<TableFormat | undefined> {
  return classify(new ListingPass(store).folder(''), options.resembling ?? false);
}

function tableName(store: ObjectStore, prefix: string): string {
  if (prefix !== '') return lastSegment(prefix).replace(/\/$/, '');
  const segments = store.url.split(/[/\\]/).filter((s) => s !== '');
  return segments[segments.length - 1] ?? store.url;
}

/** Every table under the store root, sorted by key; does not look inside a table it found. */
export async function findTables(store: ObjectStore, opts: FindTablesOptions = {}): Promise<FoundTable[]> {
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const pass = new ListingPass(store);
  const found: FoundTable[] = [];

  async function visit(prefix: string, depth: number): Promise<void> {
    // The whole folder first: a walk needs its sub-folders anyway, and formats' questions are then free.
    const folder = pass.folder(prefix);
    const { prefixes } = await folder.list();
    const format = await classify(folder, false);
    pass.forget(prefix, format !== undefined);
    if (format) {
      found.push({ name: tableName(store, prefix), key: prefix.replace(/\/$/, ''), format });
      return;
    }
    if (depth >= maxDepth) return;
    const children = prefixes.filter((sub) => !isHidden(lastSegment(sub)));
    await mapWithConcurrency(children, LIST_CONCURRENCY, (sub) => visit(sub, depth + 1));
  }

  await visit('', 0);
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
