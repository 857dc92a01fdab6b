/**
 * Reads the records of a Lakeside staging area and sorts them: records that fit the schema go, as their
 * original JSON text, into one local NDJSON file per partition; the others (unparsable JSON, not an
 * object, a missing required field, a value of the wrong type, a folder that is not a partition of the
 * target) are kept with their source key and line for quarantine. Knows nothing of the target format:
 * `stagedRecordsQuery` gives the typed rows as one DuckDB SELECT for whichever writer comes next.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { StagingSource } from './staging';
import { FieldInference, recordProblem, type StagingField } from './staging-schema';
import { deltaTypeToDuckDB } from '../delta/schema';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import { quoteIdent, quoteLiteral } from '../../sql-text';
import type { BadRow, ColumnType } from '../row-types';

/** A record that is not written: `file` is the source key, `line` 1-based (a `.json` source is line 1). */
export interface QuarantinedRecord extends BadRow {
  /** The exact bytes, when the source is not valid UTF-8 (then `raw` is a lossy decoding). */
  rawBase64?: string;
}

/** The good records of one partition, in a local NDJSON file of their original text. */
export interface StagedPartition {
  /** Partition values by column, in the order of the partition columns. */
  values: Record<string, string>;
  path: string;
  sources: number;
  records: number;
}

export interface StagedRecords {
  partitions: StagedPartition[];
  quarantined: QuarantinedRecord[];
  /** The schema the records were checked against, or the one inferred from them. */
  fields: StagingField[];
  records: number;
  bytesRead: number;
}

export interface ReadStagingOptions {
  /** The schema to check records against; undefined = infer it from the records. */
  fields?: StagingField[];
  /** Why a source's partition folders do not fit the target (every record of it is quarantined), or undefined. */
  partitionProblem: (source: StagingSource) => string | undefined;
  /** Local folder for the partition files. */
  dir: string;
  checkCancelled: () => void;
  onRead?: (progress: { done: number; total: number; bytes: number }) => void;
}

/** Parallel GETs: enough to hide S3 latency over thousands of small objects. */
const READ_CONCURRENCY = 16;
/** DuckDB's default (16 MB) is too small for some single records. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

interface RecordLine {
  line: number;
  raw: string;
}

export async function readStagingRecords(store: ObjectStore, sources: StagingSource[], options: ReadStagingOptions): Promise<StagedRecords> {
  const inference = options.fields ? undefined : new FieldInference();
  const partitions = new Map<string, StagedPartition & { out: WriteStream }>();
  const quarantined: QuarantinedRecord[] = [];
  const progress = { done: 0, total: sources.length, bytes: 0 };
  let records = 0;

  const partitionFor = (source: StagingSource): StagedPartition & { out: WriteStream } => {
    const values = Object.fromEntries(source.partition!.map(({ column, value }) => [column, value]));
    const id = JSON.stringify(values);
    let partition = partitions.get(id);
    if (!partition) {
      const path = join(options.dir, `staged-${partitions.size}.ndjson`);
      const out = createWriteStream(path);
      // A write still under way when a failed read ends the run errors once its stream is destroyed below:
      // that error is expected then, and must not surface as an unhandled 'error' event (a crash).
      out.on('error', () => undefined);
      partition = { values, path, sources: 0, records: 0, out };
      partitions.set(id, partition);
    }
    return partition;
  };

  try {
    await mapWithConcurrency(sources, READ_CONCURRENCY, async (source) => {
      options.checkCancelled();
      const bytes = await store.get(source.key);
      const text = decodeUtf8(bytes);
      if (text === undefined) {
        quarantined.push({ file: source.key, line: 1, error: 'not valid UTF-8', raw: new TextDecoder().decode(bytes), rawBase64: Buffer.from(bytes).toString('base64') });
      } else {
        const lines = recordLines(text, source.format);
        const partitionProblem = options.partitionProblem(source);
        const good: string[] = [];
        for (const { line, raw } of lines) {
          const error = partitionProblem ?? checkLine(raw, options.fields, inference);
          if (error) quarantined.push({ file: source.key, line, error, raw });
          else good.push(raw);
        }
        if (good.length > 0) {
          const partition = partitionFor(source);
          partition.sources++;
          partition.records += good.length;
          records += good.length;
          if (partition.out.errored) throw partition.out.errored;
          if (!partition.out.write(good.join('\n') + '\n')) await once(partition.out, 'drain');
        }
      }
      progress.done++;
      progress.bytes += bytes.length;
      options.onRead?.({ ...progress });
    });
    await Promise.all([...partitions.values()].map(async ({ out }) => {
      if (out.errored) throw out.errored;
      out.end();
      await once(out, 'finish');
    }));
  } finally {
    for (const { out } of partitions.values()) out.destroy();
  }
  quarantined.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return {
    partitions: [...partitions.values()].map(({ out: _out, ...partition }) => partition),
    quarantined,
    fields: options.fields ?? inference!.fields(),
    records,
    bytesRead: progress.bytes,
  };
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The records of a source as single lines of their original text (kept, not re-serialised, so that
 * integers beyond 2^53 stay exact). A `.json` source is one record, possibly pretty-printed: JSON
 * strings cannot hold raw line breaks, so joining its lines changes no value.
 */
function recordLines(text: string, format: StagingSource['format']): RecordLine[] {
  if (format === 'json') return [{ line: 1, raw: text.replace(/\r?\n/g, ' ').trim() }];
  const lines: RecordLine[] = [];
  text.split('\n').forEach((line, i) => {
    const raw = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (raw.trim() !== '') lines.push({ line: i + 1, raw });
  });
  return lines;
}

function checkLine(raw: string, fields: StagingField[] | undefined, inference: FieldInference | undefined): string | undefined {
  let record: unknown;
  try {
    record = JSON.parse(raw);
  } catch (e) {
    return `unparsable JSON: ${(e as Error).message}`;
  }
  if (inference) {
    const problem = recordProblem(record, []);
    if (!problem) inference.observe(record as Record<string, unknown>);
    return problem;
  }
  return recordProblem(record, fields!);
}

/** The staged records' columns as DuckDB types: the fields, then the partition columns. */
export function stagedColumns(fields: StagingField[], partitionColumns: ColumnType[]): ColumnType[] {
  return [...fields.map((f) => ({ name: f.name, type: deltaTypeToDuckDB(f.type) })), ...partitionColumns];
}

/**
 * One SELECT over every partition file giving the typed fields and the partition columns (`partitionSql`
 * turns a folder value into a typed literal). DuckDB parses the original JSON text with the declared
 * types; keys the schema does not list are ignored. Undefined when no record was good.
 */
export function stagedRecordsQuery(
  staged: StagedRecords,
  partitionColumns: ColumnType[],
  partitionSql: (column: ColumnType, value: string) => string,
): string | undefined {
  const withRecords = staged.partitions.filter((p) => p.records > 0);
  if (withRecords.length === 0) return undefined;
  // read_json needs at least one column; a schema of none reads a placeholder nobody selects.
  const readColumns = staged.fields.length > 0 ? staged.fields.map((f) => [f.name, f.epochUnit ? 'VARCHAR' : deltaTypeToDuckDB(f.type)]) : [['__lb_none', 'VARCHAR']];
  const columnsSpec = `{${readColumns.map(([name, type]) => `${quoteLiteral(name!)}: ${quoteLiteral(type!)}`).join(', ')}}`;
  const fieldSelect = staged.fields.map((f) => `${fieldExpression(f)} AS ${quoteIdent(f.name)}`);
  return withRecords
    .map((partition) => {
      const partitionSelect = partitionColumns.map((c) => `${partitionSql(c, partition.values[c.name]!)} AS ${quoteIdent(c.name)}`);
      const select = [...fieldSelect, ...partitionSelect].join(', ') || 'NULL AS __lb_none';
      return `SELECT ${select} FROM read_json(${quoteLiteral(partition.path)}, format = 'newline_delimited', ` +
        `columns = ${columnsSpec}, maximum_object_size = ${MAX_RECORD_BYTES})`;
    })
    .join('\nUNION ALL\n');
}

/** A field as read; date/timestamp fields that may hold epoch integers are read as text and converted here. */
function fieldExpression(field: StagingField): string {
  const column = quoteIdent(field.name);
  if (!field.epochUnit) return column;
  const type = deltaTypeToDuckDB(field.type);
  const epoch = `CAST(${column} AS BIGINT)`;
  const fromEpoch = {
    days: `DATE '1970-01-01' + CAST(${column} AS INTEGER)`,
    ms: `epoch_ms(${epoch})`,
    us: `make_timestamp(${epoch})`,
    ns: `make_timestamp(${epoch} // 1000)`,
  }[field.epochUnit];
  return `CASE WHEN regexp_full_match(${column}, '-?[0-9]+') THEN CAST(${fromEpoch} AS ${type}) ELSE CAST(${column} AS ${type}) END`;
}
