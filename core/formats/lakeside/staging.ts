/**
 * The staging area of a Lakeside bucket (formats.md §2): `data/<col>=<value>/…/<name>.json` (one
 * record) or `.ndjson` (many, one a line), and optionally `schema/schema.json`. Listing follows every
 * page: Lakeside's own compactor saw only the first 1,000 objects.
 */
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import { parseStagingSchema, type StagingField } from './staging-schema';

export const STAGING_DATA_PREFIX = 'data/';
export const STAGING_SCHEMA_KEY = 'schema/schema.json';

export type StagingFormat = 'json' | 'ndjson';

/** One staged object: its identity when listed (key + ETag) and what its key says about it. */
export interface StagingSource {
  key: string;
  etag: string;
  size: number;
  format: StagingFormat;
  /** Partition columns in folder order with their values; undefined when a folder is not `<col>=<value>`. */
  partition?: { column: string; value: string }[];
}

/** Every staged record file under `data/`, in key order; other objects (temp files, markers) are not sources. */
export async function listStagingSources(store: ObjectStore, onListed?: (count: number) => void): Promise<StagingSource[]> {
  const sources: StagingSource[] = [];
  for await (const info of store.listAll(STAGING_DATA_PREFIX)) {
    const format = formatOf(info.key);
    if (!format) continue;
    sources.push({ key: info.key, etag: sourceEtag(info), size: info.size, format, partition: partitionOf(info.key) });
    if (sources.length % 1000 === 0) onListed?.(sources.length);
  }
  onListed?.(sources.length);
  return sources;
}

/** Local stores always give an ETag; an S3-compatible store that gives none still gets a stable identity. */
/** Why a source cannot be read as a partition's record (for readers that take any partition columns). */
export const notPartitioned = (source: StagingSource): string | undefined =>
  source.partition ? undefined : 'not under a <column>=<value> partition folder';

export function sourceEtag(info: ObjectInfo): string {
  return info.etag ?? `${info.lastModified.getTime()}-${info.size}`;
}

function formatOf(key: string): StagingFormat | undefined {
  if (/\.json$/i.test(key)) return 'json';
  if (/\.(ndjson|jsonl)$/i.test(key)) return 'ndjson';
  return undefined;
}

/** `data/a=1/b=x%2Fy/f.json` → a=1, b=x/y (Hive-style folders escape special characters as %XX). */
function partitionOf(key: string): StagingSource['partition'] {
  const folders = key.slice(STAGING_DATA_PREFIX.length).split('/').slice(0, -1);
  const partition: NonNullable<StagingSource['partition']> = [];
  for (const folder of folders) {
    const eq = folder.indexOf('=');
    if (eq <= 0) return undefined;
    try {
      partition.push({ column: decodeURIComponent(folder.slice(0, eq)), value: decodeURIComponent(folder.slice(eq + 1)) });
    } catch {
      return undefined; // a malformed %-escape: not a partition folder this reader understands
    }
  }
  return partition;
}

/** The fields of `schema/schema.json`, or undefined when the staging area has none. */
export async function readStagingSchema(store: ObjectStore): Promise<StagingField[] | undefined> {
  if (!(await store.head(STAGING_SCHEMA_KEY))) return undefined;
  const text = new TextDecoder().decode(await store.get(STAGING_SCHEMA_KEY));
  return parseStagingSchema(text, store.urlOf(STAGING_SCHEMA_KEY));
}
