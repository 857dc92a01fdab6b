/**
 * Iceberg table metadata (table spec, "Table Metadata"), parsed from its JSON file (gzip-compressed
 * or not) into one normalized shape for format versions 1, 2 and 3: v1's single `schema` and
 * `partition-spec`, and snapshots listing `manifests` instead of a manifest list, look like v2 here.
 *
 * Snapshot ids are 64-bit: JSON.parse would round them to doubles (9158179788527662767 becomes
 * …663000), so integers beyond 2^53 keep their source text and every id is carried as a string.
 */
import { gunzipSync } from 'node:zlib';
import { LakebenchError } from '../../errors';
import { checkSchema, type Schema } from './schema';

export interface PartitionField {
  /** Source column ids (v3 multi-argument transforms); one id for every transform this reader knows. */
  sourceIds: number[];
  fieldId: number;
  name: string;
  transform: string;
}

export interface PartitionSpec {
  specId: number;
  fields: PartitionField[];
}

export interface IcebergSnapshot {
  /** The snapshot id as a decimal string: exact for all 64 bits. */
  id: string;
  parentId?: string;
  /** 0 for format version 1 (no sequence numbers). */
  sequenceNumber: number;
  timestampMs: number;
  /** Manifest list location (v2+, and most v1 tables). */
  manifestList?: string;
  /** v1 only: manifest locations listed in the metadata itself instead of a manifest list. */
  manifests?: string[];
  operation: string;
  summary: Record<string, string>;
  schemaId?: number;
  /** v3 row lineage. */
  firstRowId?: number;
  addedRows?: number;
}

export interface SnapshotRef {
  snapshotId: string;
  type: 'branch' | 'tag';
  maxRefAgeMs?: number;
  maxSnapshotAgeMs?: number;
  minSnapshotsToKeep?: number;
}

export interface TableMetadata {
  formatVersion: 1 | 2 | 3;
  tableUuid?: string;
  /** The table's base location as recorded (`s3://…`, `s3a://…`, `file:/…`). */
  location: string;
  lastSequenceNumber: number;
  lastUpdatedMs: number;
  schemas: Schema[];
  currentSchemaId: number;
  specs: PartitionSpec[];
  defaultSpecId: number;
  properties: Record<string, string>;
  currentSnapshotId?: string;
  snapshots: IcebergSnapshot[];
  snapshotLog: { timestampMs: number; snapshotId: string }[];
  metadataLog: { timestampMs: number; metadataFile: string }[];
  /** Named branches and tags; `main` is always there when the table has a current snapshot. */
  refs: Record<string, SnapshotRef>;
  /** Puffin table statistics and partition statistics files (`statistics`, `partition-statistics`), as recorded. */
  statisticsFiles?: string[];
  /** v3 row lineage: the first row id the next snapshot assigns. */
  nextRowId?: number;
}

export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** JSON.parse, except that integers outside the safe range become bigints (exact) instead of rounded numbers. */
export function parseExactJson(text: string): Json {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  }) as Json;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** The text of a metadata file, gunzipped when it is gzip (by content, whatever its name says). */
export function metadataText(bytes: Uint8Array, object: string): string {
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      return new TextDecoder().decode(gunzipSync(bytes));
    } catch (e) {
      throw new LakebenchError('CORRUPT', `gzip-compressed metadata does not decompress: ${(e as Error).message}`, { object, cause: e });
    }
  }
  return new TextDecoder().decode(bytes);
}

export function parseTableMetadata(bytes: Uint8Array, object: string): TableMetadata {
  let json: Json;
  try {
    json = parseExactJson(metadataText(bytes, object));
  } catch (e) {
    if (e instanceof LakebenchError) throw e;
    throw new LakebenchError('CORRUPT', `table metadata is not valid JSON: ${(e as Error).message}`, { object, cause: e });
  }
  return tableMetadataFromJson(json, object);
}

/** Metadata already parsed by parseExactJson (a REST catalog's load-table answer carries it inline). */
export function tableMetadataFromJson(json: unknown, object: string): TableMetadata {
  if (!isObject(json as Json)) throw new LakebenchError('CORRUPT', 'table metadata is not a JSON object', { object });
  return normalize(json as JsonObject, object);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A 64-bit id as its exact decimal string; undefined for absent ids and the v1 "no snapshot" id -1. */
export function idString(value: Json | undefined): string | undefined {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) {
    const text = value.toString();
    return text === '-1' ? undefined : text;
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return value;
  return undefined;
}

function num(value: Json | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

function normalize(json: JsonObject, object: string): TableMetadata {
  const corrupt = (message: string) => new LakebenchError('CORRUPT', message, { object });
  const formatVersion = num(json['format-version']);
  if (formatVersion !== 1 && formatVersion !== 2 && formatVersion !== 3) {
    throw new LakebenchError('UNSUPPORTED_FEATURE', `Iceberg format version ${String(json['format-version'])} is not supported (1, 2 and 3 are)`, {
      object,
    });
  }
  if (typeof json.location !== 'string') throw corrupt('table metadata has no location');

  const schemaList = Array.isArray(json.schemas) ? json.schemas : isObject(json.schema) ? [{ 'schema-id': 0, ...json.schema }] : [];
  const schemas = schemaList.map((s) => checkSchema(s, object));
  if (schemas.length === 0) throw corrupt('table metadata has no schema');
  const currentSchemaId = num(json['current-schema-id']) ?? schemas[0]['schema-id'];
  if (!schemas.some((s) => s['schema-id'] === currentSchemaId)) throw corrupt(`current-schema-id ${currentSchemaId} names no schema`);

  const specs = Array.isArray(json['partition-specs'])
    ? json['partition-specs'].map((spec) => parseSpec(spec, object))
    : [parseSpec({ 'spec-id': 0, fields: Array.isArray(json['partition-spec']) ? json['partition-spec'] : [] }, object)];
  const defaultSpecId = num(json['default-spec-id']) ?? specs[0]?.specId ?? 0;

  const snapshots = (Array.isArray(json.snapshots) ? json.snapshots : []).map((s) => parseSnapshot(s, object));
  const currentSnapshotId = idString(json['current-snapshot-id']);
  if (currentSnapshotId !== undefined && !snapshots.some((s) => s.id === currentSnapshotId)) {
    throw corrupt(`current-snapshot-id ${currentSnapshotId} names no snapshot`);
  }
  const refs: Record<string, SnapshotRef> = {};
  if (isObject(json.refs)) {
    for (const [name, ref] of Object.entries(json.refs)) {
      const snapshotId = isObject(ref) ? idString(ref['snapshot-id']) : undefined;
      if (!isObject(ref) || snapshotId === undefined || (ref.type !== 'branch' && ref.type !== 'tag')) {
        throw corrupt(`ref ${name} is malformed`);
      }
      refs[name] = {
        snapshotId,
        type: ref.type,
        ...optional('maxRefAgeMs', num(ref['max-ref-age-ms'])),
        ...optional('maxSnapshotAgeMs', num(ref['max-snapshot-age-ms'])),
        ...optional('minSnapshotsToKeep', num(ref['min-snapshots-to-keep'])),
      };
    }
  }
  // Tables written before refs existed (and v1) name the current snapshot only: that is `main`.
  if (!refs.main && currentSnapshotId !== undefined) refs.main = { snapshotId: currentSnapshotId, type: 'branch' };

  const properties: Record<string, string> = {};
  if (isObject(json.properties)) for (const [k, v] of Object.entries(json.properties)) properties[k] = String(v);

  return {
    formatVersion,
    ...optional('tableUuid', typeof json['table-uuid'] === 'string' ? json['table-uuid'] : undefined),
    location: json.location.replace(/\/+$/, ''),
    lastSequenceNumber: num(json['last-sequence-number']) ?? 0,
    lastUpdatedMs: num(json['last-updated-ms']) ?? 0,
    schemas,
    currentSchemaId,
    specs,
    defaultSpecId,
    properties,
    ...optional('currentSnapshotId', currentSnapshotId),
    snapshots,
    snapshotLog: (Array.isArray(json['snapshot-log']) ? json['snapshot-log'] : []).filter(isObject).flatMap((entry) => {
      const snapshotId = idString(entry['snapshot-id']);
      const timestampMs = num(entry['timestamp-ms']);
      return snapshotId !== undefined && timestampMs !== undefined ? [{ snapshotId, timestampMs }] : [];
    }),
    metadataLog: (Array.isArray(json['metadata-log']) ? json['metadata-log'] : []).filter(isObject).flatMap((entry) => {
      const timestampMs = num(entry['timestamp-ms']);
      return typeof entry['metadata-file'] === 'string' && timestampMs !== undefined
        ? [{ timestampMs, metadataFile: entry['metadata-file'] }]
        : [];
    }),
    refs,
    statisticsFiles: [json.statistics, json['partition-statistics']].flatMap((list) =>
      (Array.isArray(list) ? list : []).flatMap((entry) => (isObject(entry) && typeof entry['statistics-path'] === 'string' ? [entry['statistics-path']] : [])),
    ),
    ...optional('nextRowId', num(json['next-row-id'])),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function parseField(value: Json, object: string): PartitionField {
  if (!isObject(value)) throw new LakebenchError('CORRUPT', 'a partition field is not an object', { object });
  const sourceIds = Array.isArray(value['source-ids']) ? value['source-ids'].map((id) => num(id)!) : [num(value['source-id'])!];
  const fieldId = num(value['field-id']);
  if (typeof value.name !== 'string' || typeof value.transform !== 'string' || sourceIds.some((id) => id === undefined)) {
    throw new LakebenchError('CORRUPT', 'a partition field lacks its name, transform or source id', { object });
  }
  // v1 specs may leave out field ids: they were assigned from 1000 in order.
  return { sourceIds, fieldId: fieldId ?? -1, name: value.name, transform: value.transform };
}

function parseSpec(value: Json, object: string): PartitionSpec {
  if (!isObject(value) || !Array.isArray(value.fields)) throw new LakebenchError('CORRUPT', 'a partition spec is malformed', { object });
  const fields = value.fields.map((f) => parseField(f, object));
  fields.forEach((field, i) => {
    if (field.fieldId === -1) field.fieldId = 1000 + i;
  });
  return { specId: num(value['spec-id']) ?? 0, fields };
}

function parseSnapshot(value: Json, object: string): IcebergSnapshot {
  const id = isObject(value) ? idString(value['snapshot-id']) : undefined;
  const timestampMs = isObject(value) ? num(value['timestamp-ms']) : undefined;
  if (!isObject(value) || id === undefined || timestampMs === undefined) {
    throw new LakebenchError('CORRUPT', 'a snapshot lacks its snapshot-id or timestamp-ms', { object });
  }
  const summary: Record<string, string> = {};
  if (isObject(value.summary)) for (const [k, v] of Object.entries(value.summary)) summary[k] = String(v);
  const manifestList = typeof value['manifest-list'] === 'string' ? value['manifest-list'] : undefined;
  const manifests = Array.isArray(value.manifests) ? value.manifests.map(String) : undefined;
  if (manifestList === undefined && manifests === undefined) {
    throw new LakebenchError('CORRUPT', `snapshot ${id} has neither a manifest-list nor manifests`, { object });
  }
  return {
    id,
    ...optional('parentId', idString(value['parent-snapshot-id'])),
    sequenceNumber: num(value['sequence-number']) ?? 0,
    timestampMs,
    ...optional('manifestList', manifestList),
    ...optional('manifests', manifests),
    operation: summary.operation ?? 'unknown',
    summary,
    ...optional('schemaId', num(value['schema-id'])),
    ...optional('firstRowId', num(value['first-row-id'])),
    ...optional('addedRows', num(value['added-rows'])),
  };
}
