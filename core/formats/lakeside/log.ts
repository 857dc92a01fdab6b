/**
 * The `_lakeside_log/` of a Lakeside bucket (formats.md §2): `<8 digits>.json` entries
 * `{version, timestamp, operation, add:[{path, size, rowCount, partition}], remove:[{path}], metadata}`,
 * replayed in version order into the compacted Parquet files that are live, and those removed. The
 * writer side appends an entry with put-if-absent: whoever creates a version file first owns that version.
 * Lakebench's entries carry `metadata.lakebench_write_id`, so an append whose answer was lost is recognised
 * as its own (storage/conditional-write.ts) rather than as another writer's.
 */
import { LakebenchError } from '../../errors';
import { randomUUID } from 'node:crypto';
import { mapWithConcurrency } from '../../storage/concurrency';
import { conditionalPut, jsonFieldIs } from '../../storage/conditional-write';
import type { ObjectStore } from '../../storage/types';

export const LAKESIDE_LOG_DIR = '_lakeside_log/';
const ENTRY_NAME = /^_lakeside_log\/(\d{8})\.json$/;

export interface LakesideAdd {
  path: string;
  size?: number;
  rowCount?: number;
  partition?: string;
}

export interface LakesideLogEntry {
  version: number;
  timestamp: string;
  operation: string;
  add: LakesideAdd[];
  remove: { path: string }[];
  metadata?: Record<string, unknown>;
}

export interface LakesideState {
  entries: LakesideLogEntry[];
  /** Compacted files live after the last entry, by path (bucket-relative keys). */
  live: Map<string, LakesideAdd>;
  /** Paths a `remove` retired (and no later entry added again). */
  removed: Set<string>;
}

/** `_lakeside_log/00000042.json`. */
export const lakesideLogKey = (version: number): string => `${LAKESIDE_LOG_DIR}${String(version).padStart(8, '0')}.json`;

/** The log's entry files in version order (every page of the listing). */
export async function listLakesideLog(store: ObjectStore): Promise<{ key: string; version: number }[]> {
  const keys: { key: string; version: number }[] = [];
  for await (const info of store.listAll(LAKESIDE_LOG_DIR)) {
    const match = ENTRY_NAME.exec(info.key);
    if (match) keys.push({ key: info.key, version: Number(match[1]) });
  }
  return keys.sort((a, b) => a.version - b.version);
}

/** Creates the entry's version file only if absent; false (nothing written) when another writer has that version. */
export async function appendLakesideLogEntry(store: ObjectStore, entry: LakesideLogEntry): Promise<boolean> {
  const writeId = randomUUID();
  const body = JSON.stringify({ ...entry, metadata: { ...entry.metadata, lakebench_write_id: writeId } }, null, 2);
  const isOurs = (bytes: Uint8Array) => jsonFieldIs(bytes, (d) => (d.metadata as Record<string, unknown> | undefined)?.lakebench_write_id, writeId);
  return conditionalPut(store, { key: lakesideLogKey(entry.version), body, isOurs });
}

export async function readLakesideLog(store: ObjectStore): Promise<LakesideState> {
  const keys = await listLakesideLog(store);
  return replayLakesideLog(await mapWithConcurrency(keys, 16, async ({ key, version }) => parseLakesideLogEntry(await store.get(key), version, store.urlOf(key))));
}

/** The state after `entries`, in version order: the files live and those removed. */
export function replayLakesideLog(entries: LakesideLogEntry[]): LakesideState {
  const live = new Map<string, LakesideAdd>();
  const removed = new Set<string>();
  for (const entry of entries) {
    for (const r of entry.remove) {
      live.delete(r.path);
      removed.add(r.path);
    }
    for (const a of entry.add) {
      live.set(a.path, a);
      removed.delete(a.path);
    }
  }
  return { entries, live, removed };
}

export function parseLakesideLogEntry(bytes: Uint8Array, fileVersion: number, object: string): LakesideLogEntry {
  let raw: Partial<LakesideLogEntry>;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes)) as Partial<LakesideLogEntry>;
  } catch (e) {
    throw new LakebenchError('CORRUPT', `not a JSON log entry: ${(e as Error).message}`, { object });
  }
  if (raw.version !== undefined && raw.version !== fileVersion) {
    throw new LakebenchError('CORRUPT', `the entry says version ${raw.version}, its name ${fileVersion}`, { object });
  }
  const paths = (list: unknown): boolean => Array.isArray(list) && list.every((a) => typeof (a as { path?: unknown })?.path === 'string');
  if ((raw.add !== undefined && !paths(raw.add)) || (raw.remove !== undefined && !paths(raw.remove))) {
    throw new LakebenchError('CORRUPT', 'add and remove must be lists of {path}', { object });
  }
  return {
    version: fileVersion,
    timestamp: String(raw.timestamp ?? ''),
    operation: String(raw.operation ?? ''),
    add: raw.add ?? [],
    remove: raw.remove ?? [],
    ...(raw.metadata && { metadata: raw.metadata }),
  };
}
