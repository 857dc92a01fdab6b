/**
 * Changes to table metadata, as the REST catalog protocol names them (`add-snapshot`,
 * `set-snapshot-ref`, `remove-snapshots`, `remove-snapshot-ref`), applied to the metadata's JSON as
 * read: every field and property a change does not touch stays as it was, unknown ones included, and
 * 64-bit ids stay exact (bigints, written back as bare integers). Pure: no storage here.
 */
import { LakebenchError } from '../../errors';
import { idString, type Json } from './metadata';

export type JsonObject = { [key: string]: Json };

/** A snapshot as the metadata JSON records it (ids as bigints). */
export interface SnapshotJson extends JsonObject {
  'snapshot-id': bigint;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: { [key: string]: string };
}

export type MetadataUpdate =
  | { action: 'add-snapshot'; snapshot: SnapshotJson }
  | { action: 'set-snapshot-ref'; 'ref-name': string; 'snapshot-id': bigint; type: 'branch' | 'tag' }
  | { action: 'remove-snapshots'; 'snapshot-ids': bigint[] }
  | { action: 'remove-snapshot-ref'; 'ref-name': string };

/** What must still hold of the table for a commit to apply (REST `requirements`; checked by every commit path). */
export type CommitRequirement =
  | { type: 'assert-table-uuid'; uuid: string }
  /** `snapshot-id` null: the ref must not exist. */
  | { type: 'assert-ref-snapshot-id'; ref: string; 'snapshot-id': bigint | null };

/** Iceberg's `write.metadata.previous-versions-max` default. */
const PREVIOUS_VERSIONS_MAX = 100;

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const array = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);
const number = (value: Json | undefined): number | undefined => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined);

/** The failed requirement's description, or undefined when all hold for `metadata`. */
export function unmetRequirement(metadata: JsonObject, requirements: readonly CommitRequirement[]): string | undefined {
  for (const requirement of requirements) {
    if (requirement.type === 'assert-table-uuid') {
      if (metadata['table-uuid'] !== undefined && metadata['table-uuid'] !== requirement.uuid) return `the table's uuid is no longer ${requirement.uuid}`;
      continue;
    }
    const refs = isObject(metadata.refs) ? metadata.refs : {};
    const ref = refs[requirement.ref];
    // Tables written before refs existed name only the current snapshot: that is `main`.
    const current = isObject(ref) ? idString(ref['snapshot-id']) : requirement.ref === 'main' ? idString(metadata['current-snapshot-id']) : undefined;
    const expected = requirement['snapshot-id'] === null ? undefined : requirement['snapshot-id'].toString();
    if (current !== expected) return `${requirement.ref} is at snapshot ${current ?? '(none)'}, not ${expected ?? '(none)'}`;
  }
  return undefined;
}

export interface ApplyOptions {
  /** The metadata file these changes are made on: it goes into the metadata-log. Undefined: the catalog records it (REST). */
  previousMetadataFile?: string;
  /** Time of the change (ms since the epoch). */
  now: number;
}

/** The metadata after `updates`, as a new object (the input is not changed). */
export function applyMetadataUpdates(base: JsonObject, updates: readonly MetadataUpdate[], options: ApplyOptions): JsonObject {
  const metadata = structuredClone(base);
  const object = options.previousMetadataFile ?? 'table metadata';
  for (const update of updates) {
    switch (update.action) {
      case 'add-snapshot':
        addSnapshot(metadata, update.snapshot, object);
        break;
      case 'set-snapshot-ref':
        setRef(metadata, update['ref-name'], update['snapshot-id'], update.type, object);
        break;
      case 'remove-snapshots':
        removeSnapshots(metadata, new Set(update['snapshot-ids'].map(String)));
        break;
      case 'remove-snapshot-ref':
        removeRef(metadata, update['ref-name']);
        break;
    }
  }
  if (options.previousMetadataFile !== undefined) {
    const log = [...array(metadata['metadata-log']), { 'timestamp-ms': number(base['last-updated-ms']) ?? options.now, 'metadata-file': options.previousMetadataFile }];
    const properties = isObject(metadata.properties) ? metadata.properties : {};
    const max = Number(properties['write.metadata.previous-versions-max'] ?? PREVIOUS_VERSIONS_MAX);
    metadata['metadata-log'] = log.slice(Math.max(0, log.length - (Number.isFinite(max) && max >= 1 ? max : PREVIOUS_VERSIONS_MAX)));
  }
  metadata['last-updated-ms'] = Math.max(options.now, number(base['last-updated-ms']) ?? 0);
  return metadata;
}

function addSnapshot(metadata: JsonObject, snapshot: SnapshotJson, object: string): void {
  const snapshots = array(metadata.snapshots);
  if (snapshots.some((s) => isObject(s) && idString(s['snapshot-id']) === snapshot['snapshot-id'].toString())) {
    throw new LakebenchError('CONFLICT', `snapshot ${snapshot['snapshot-id']} is already in the table`, { object });
  }
  const last = number(metadata['last-sequence-number']) ?? 0;
  if (number(metadata['format-version'])! > 1 && snapshot['sequence-number'] <= last) {
    throw new LakebenchError('CONFLICT', `sequence number ${snapshot['sequence-number']} is not above the table's last (${last})`, { object });
  }
  metadata.snapshots = [...snapshots, snapshot];
  if (number(metadata['format-version'])! > 1) metadata['last-sequence-number'] = snapshot['sequence-number'];
  // v3 row lineage: the table's next row id moves past the rows this snapshot assigned ids to.
  const addedRows = number(snapshot['added-rows']);
  if (addedRows !== undefined && metadata['next-row-id'] !== undefined) metadata['next-row-id'] = (number(metadata['next-row-id']) ?? 0) + addedRows;
}

function setRef(metadata: JsonObject, name: string, snapshotId: bigint, type: 'branch' | 'tag', object: string): void {
  const snapshot = array(metadata.snapshots).find((s) => isObject(s) && idString(s['snapshot-id']) === snapshotId.toString());
  if (!isObject(snapshot)) throw new LakebenchError('CORRUPT', `ref ${name} would name snapshot ${snapshotId}, which is not in the table`, { object });
  const refs = isObject(metadata.refs) ? metadata.refs : {};
  const existing = isObject(refs[name]) ? refs[name] : {};
  // Retention settings of the ref (max-ref-age-ms …) stay.
  metadata.refs = { ...refs, [name]: { ...existing, 'snapshot-id': snapshotId, type } };
  if (name !== 'main') return;
  metadata['current-snapshot-id'] = snapshotId;
  const timestampMs = number(snapshot['timestamp-ms'])!;
  metadata['snapshot-log'] = [...array(metadata['snapshot-log']), { 'timestamp-ms': timestampMs, 'snapshot-id': snapshotId }];
}

function removeSnapshots(metadata: JsonObject, ids: ReadonlySet<string>): void {
  metadata.snapshots = array(metadata.snapshots).filter((s) => !isObject(s) || !ids.has(idString(s['snapshot-id']) ?? ''));
  const refs = isObject(metadata.refs) ? metadata.refs : {};
  metadata.refs = Object.fromEntries(Object.entries(refs).filter(([, ref]) => !isObject(ref) || !ids.has(idString(ref['snapshot-id']) ?? '')));
  // As Iceberg's Java TableMetadata does: the log keeps only what follows its last entry for a removed snapshot.
  const log = array(metadata['snapshot-log']);
  let lastRemoved = -1;
  log.forEach((entry, i) => {
    if (isObject(entry) && ids.has(idString(entry['snapshot-id']) ?? '')) lastRemoved = i;
  });
  metadata['snapshot-log'] = log.slice(lastRemoved + 1);
  const current = idString(metadata['current-snapshot-id']);
  if (current !== undefined && ids.has(current)) metadata['current-snapshot-id'] = -1;
}

function removeRef(metadata: JsonObject, name: string): void {
  const refs = isObject(metadata.refs) ? { ...metadata.refs } : {};
  delete refs[name];
  metadata.refs = refs;
  if (name === 'main') metadata['current-snapshot-id'] = -1;
}

type RawJson = { rawJSON(text: string): unknown };

/** Metadata JSON text with bigints as bare integers (JSON.rawJSON keeps all 64 bits). */
export function stringifyMetadata(metadata: JsonObject): string {
  const raw = (JSON as unknown as RawJson).rawJSON;
  return JSON.stringify(metadata, (_key, value: unknown) => (typeof value === 'bigint' ? raw(value.toString()) : value), 2);
}
