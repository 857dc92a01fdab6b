/**
 * Writing rows into new Iceberg data files (compaction's rewrites, appends): a DuckDB SELECT of the
 * schema's columns copied to Parquet with the schema's field ids and DuckDB's write statistics as the
 * file's metrics, written into the job's scratch space and then uploaded under a fresh name — one file,
 * or one per partition of the table's current spec, the partition tuple of every row computed by the
 * spec's transforms (transforms.ts) the way the table's readers prune by them.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { LakebenchError } from '../errors';
import { boundBytes } from '../formats/iceberg/bounds';
import { avroFieldName, partitionTypes } from '../formats/iceberg/manifest-schemas';
import type { PartitionSpec } from '../formats/iceberg/metadata';
import { fieldsById, type IcebergType, type Schema } from '../formats/iceberg/schema';
import type { NewFile } from '../formats/iceberg/snapshot-producer';
import type { IcebergTable } from '../formats/iceberg/table';
import { applyTransform, parseTransform } from '../formats/iceberg/transforms';
import { partitionKey, toAvro, type IcebergValue } from '../formats/iceberg/values';
import { quoteIdent, quoteLiteral } from '../sql-text';
import { mapWithConcurrency } from '../storage/concurrency';
import type { ScratchDb } from './scratch-db';

/** Where a new file goes: its spec and partition tuple (Avro form), and the data sequence number it keeps, if any. */
export interface FilePlacement {
  specId: number;
  partition: Record<string, unknown>;
  dataSequenceNumber?: number;
}

/** Rows to write: a SELECT of the schema's top-level columns by name, and the columns to sort each file by. */
export interface RowSource {
  select: string;
  sortBy?: string[];
  /** What the new files' names say made them (`data/<uuid>-<tag>.parquet`), so a listing tells them apart. */
  tag: 'compacted' | 'appended';
}

/** Uploads in flight at once, as for Delta's written files. */
const UPLOAD_CONCURRENCY = 4;

/** DuckDB's FIELD_IDS for a type: the id, and the ids of nested fields (struct fields, list element, map key and value). */
function fieldIdSpec(id: number, type: IcebergType): string {
  if (typeof type === 'string') return String(id);
  const nested =
    type.type === 'struct'
      ? type.fields.map((f) => `${quoteIdent(f.name)}: ${fieldIdSpec(f.id, f.type)}`)
      : type.type === 'list'
        ? [`element: ${fieldIdSpec(type['element-id'], type.element)}`]
        : [`key: ${fieldIdSpec(type['key-id'], type.key)}`, `value: ${fieldIdSpec(type['value-id'], type.value)}`];
  return `{__duckdb_field_id: ${id}, ${nested.join(', ')}}`;
}

/** DuckDB's RETURN_STATS per column: `"name"` → min, max, null_count, num_values (as text). */
type ColumnStatistics = { key: string; value: { key: string; value: string }[] }[] | null;

/** Types whose bounds are written (the ones the engine prunes by, exact in DuckDB's text form). */
const BOUNDED = new Set(['int', 'long', 'date']);

/**
 * Iceberg file metrics of the new file from DuckDB's write statistics: value and null counts of every
 * top-level primitive column, and lower/upper bounds of int, long and date columns (scan planning prunes by them).
 */
function fileMetrics(schema: Schema, statistics: ColumnStatistics): Pick<NewFile, 'valueCounts' | 'nullValueCounts' | 'lowerBounds' | 'upperBounds'> {
  const valueCounts = new Map<number, number>();
  const nullValueCounts = new Map<number, number>();
  const lowerBounds = new Map<number, Uint8Array>();
  const upperBounds = new Map<number, Uint8Array>();
  const byName = new Map((statistics ?? []).map((column) => [column.key, new Map(column.value.map((v) => [v.key, v.value]))]));
  for (const field of schema.fields) {
    const stats = byName.get(`"${field.name.replaceAll('"', '""')}"`);
    if (!stats || typeof field.type !== 'string') continue;
    if (stats.has('num_values')) valueCounts.set(field.id, Number(stats.get('num_values')));
    if (stats.has('null_count')) nullValueCounts.set(field.id, Number(stats.get('null_count')));
    const [min, max] = [stats.get('min'), stats.get('max')];
    const exact = field.type === 'date' ? /^\d{4}-\d{2}-\d{2}$/ : /^-?\d+$/;
    if (!BOUNDED.has(field.type) || min === undefined || max === undefined || !exact.test(min) || !exact.test(max)) continue;
    const internal = (text: string) => (field.type === 'date' ? BigInt(Date.parse(`${text}T00:00:00Z`) / 86_400_000) : BigInt(text));
    lowerBounds.set(field.id, boundBytes(internal(min), field.type));
    upperBounds.set(field.id, boundBytes(internal(max), field.type));
  }
  return { valueCounts, nullValueCounts, lowerBounds, upperBounds };
}

/** A data file written into the job's scratch space, as the snapshot adds it once it is uploaded to `key`. */
export interface LocalIcebergFile {
  localPath: string;
  /** Its key in the table's store (`data/<uuid>-<tag>.parquet`). */
  key: string;
  file: NewFile;
}

/** Copies the rows of `rows` into one Parquet file in `dir`, named for a fresh key in the table's data folder; nothing is uploaded. */
export async function writeLocalDataFile(db: ScratchDb, table: IcebergTable, schema: Schema, rows: RowSource, placement: FilePlacement, dir: string): Promise<LocalIcebergFile> {
  const localPath = join(dir, `${randomUUID()}.parquet`);
  const ids = schema.fields.map((f) => `${quoteIdent(f.name)}: ${fieldIdSpec(f.id, f.type)}`).join(', ');
  const order = rows.sortBy?.length ? ` ORDER BY ${rows.sortBy.map(quoteIdent).join(', ')}` : '';
  const columns = schema.fields.map((f) => quoteIdent(f.name)).join(', ');
  const stats = await db.connection.runAndReadAll(
    `COPY (SELECT ${columns} FROM (${rows.select})${order}) TO ${quoteLiteral(localPath)} (FORMAT parquet, COMPRESSION zstd, FIELD_IDS {${ids}}, RETURN_STATS true)`,
  );
  const [row] = stats.getRowObjectsJson() as { count: string; file_size_bytes: string; column_statistics: ColumnStatistics }[];
  const key = `data/${randomUUID()}-${rows.tag}.parquet`;
  const file: NewFile = {
    content: 0,
    path: `${table.metadata.location}/${key}`,
    format: 'PARQUET',
    specId: placement.specId,
    partition: placement.partition,
    recordCount: Number(row!.count),
    fileSizeInBytes: Number(row!.file_size_bytes),
    ...fileMetrics(schema, row!.column_statistics),
    ...(placement.dataSequenceNumber !== undefined && { dataSequenceNumber: placement.dataSequenceNumber }),
  };
  return { localPath, key, file };
}

/** Uploads written files under their keys, a few at once; answers them as the snapshot adds them, in the same order. */
export function uploadIcebergFiles(table: IcebergTable, files: readonly LocalIcebergFile[]): Promise<NewFile[]> {
  return mapWithConcurrency(files, UPLOAD_CONCURRENCY, async ({ localPath, key, file }) => {
    await table.store.putFile(key, localPath);
    return file;
  });
}

/** A source column's value in internal form (values.ts) as SQL, for the types whose transforms are computed here. */
function internalSql(c: string, column: string, type: IcebergType, object: string): string {
  switch (type) {
    case 'int':
    case 'long':
      return `CAST(${c} AS BIGINT)`;
    case 'date':
      return `CAST(${c} - DATE '1970-01-01' AS BIGINT)`;
    case 'timestamp':
    case 'timestamptz':
      return `epoch_us(${c})`;
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return `epoch_ns(${c})`;
    case 'string':
    case 'boolean':
      return c;
    default:
      throw new LakebenchError('UNSUPPORTED_FEATURE', `cannot write rows partitioned by column ${column} of type ${JSON.stringify(type)} (partitions over int, long, date, timestamp, string and boolean columns are written)`, { object });
  }
}

const internalColumnType = (type: IcebergType) => (type === 'string' ? 'VARCHAR' : type === 'boolean' ? 'BOOLEAN' : 'BIGINT');
const literal = (value: unknown) => (value === null ? 'NULL' : typeof value === 'string' ? quoteLiteral(value) : String(value));

/** The table's current (default) partition spec. */
export function currentSpec(table: IcebergTable): PartitionSpec {
  const spec = table.specs.get(table.metadata.defaultSpecId);
  if (!spec) throw new LakebenchError('CORRUPT', `the default partition spec ${table.metadata.defaultSpecId} is not in the table metadata`, { object: table.url });
  return spec;
}

/** Writes the rows of `rows` into the table's current spec (writeLocalInCurrentSpec) and uploads the files. */
export async function writeInCurrentSpec(db: ScratchDb, table: IcebergTable, schema: Schema, rows: RowSource, dataSequenceNumber?: number): Promise<NewFile[]> {
  return uploadIcebergFiles(table, await writeLocalInCurrentSpec(db, table, schema, rows, db.dir, dataSequenceNumber));
}

/**
 * Writes the rows of `rows` into files in `dir`, in the table's current spec: one file per partition
 * tuple. The distinct values of the spec's source columns are read once, their tuples computed by the
 * transforms here (the same code the reader prunes with: bucket's Murmur3 has no DuckDB twin), and every
 * row joined to its tuple's number in one staged table, which each file then copies its partition from.
 */
export async function writeLocalInCurrentSpec(
  db: ScratchDb,
  table: IcebergTable,
  schema: Schema,
  rows: RowSource,
  dir: string,
  dataSequenceNumber?: number,
): Promise<LocalIcebergFile[]> {
  const spec = currentSpec(table);
  const placement = (partition: Record<string, unknown>): FilePlacement => ({ specId: spec.specId, partition, ...(dataSequenceNumber !== undefined && { dataSequenceNumber }) });
  if (spec.fields.length === 0) return [await writeLocalDataFile(db, table, schema, rows, placement({}), dir)];

  const columns = fieldsById(schema);
  const sources = [...new Set(spec.fields.map((f) => f.sourceIds[0]!))].map((id) => {
    const field = columns.get(id);
    if (!field || !schema.fields.includes(field)) {
      throw new LakebenchError('UNSUPPORTED_FEATURE', `partition source column ${id} is not a top-level column of the current schema`, { object: table.url });
    }
    const sql = (qualifier: string) => internalSql(`${qualifier}${quoteIdent(field.name)}`, field.name, field.type, table.url);
    return { id, type: field.type, sql };
  });
  const resultTypes = partitionTypes(spec, schema);
  const keyColumns = sources.map((_, i) => `__lb_k${i}`);
  const distinct = await db.connection.runAndReadAll(`SELECT DISTINCT ${sources.map((s, i) => `${s.sql('')} AS ${keyColumns[i]}`).join(', ')} FROM (${rows.select})`);
  const tuples = new Map<string, { number: number; partition: Record<string, unknown> }>();
  const mapping: string[] = [];
  for (const values of distinct.getRows()) {
    const internal = spec.fields.map((field, i) => {
      const source = sources.findIndex((s) => s.id === field.sourceIds[0]);
      const value = applyTransform(parseTransform(field.transform), values[source] as IcebergValue | null, sources[source]!.type);
      if (value === undefined) throw new LakebenchError('UNSUPPORTED_FEATURE', `partition transform ${field.transform} of ${field.name} is unknown to Lakebench`, { object: table.url });
      return { value, type: resultTypes[i]! };
    });
    const key = partitionKey(spec.specId, internal.map((v) => v.value));
    if (!tuples.has(key)) {
      tuples.set(key, { number: tuples.size, partition: Object.fromEntries(spec.fields.map((f, i) => [avroFieldName(f.name), toAvro(internal[i]!.value, internal[i]!.type)])) });
    }
    mapping.push(`(${values.map(literal).join(', ')}, ${tuples.get(key)!.number})`);
  }
  await db.connection.run(`CREATE OR REPLACE TEMP TABLE __lb_tuples (${keyColumns.map((k, i) => `${k} ${internalColumnType(sources[i]!.type)}`).join(', ')}, __lb_part INTEGER)`);
  for (let at = 0; at < mapping.length; at += 1000) await db.connection.run(`INSERT INTO __lb_tuples VALUES ${mapping.slice(at, at + 1000).join(', ')}`);
  const joined = sources.map((s, i) => `${s.sql('r.')} IS NOT DISTINCT FROM t.${keyColumns[i]}`);
  await db.connection.run(`CREATE OR REPLACE TEMP TABLE __lb_partitioned AS SELECT r.*, t.__lb_part FROM (${rows.select}) r JOIN __lb_tuples t ON ${joined.join(' AND ')}`);
  const files: LocalIcebergFile[] = [];
  for (const { number, partition } of tuples.values()) {
    db.checkCancelled();
    files.push(await writeLocalDataFile(db, table, schema, { ...rows, select: `SELECT * FROM __lb_partitioned WHERE __lb_part = ${number}` }, placement(partition), dir));
  }
  await db.connection.run('DROP TABLE __lb_partitioned; DROP TABLE __lb_tuples');
  return files;
}
