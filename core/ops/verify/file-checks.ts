/**
 * The checks of one data file that read only its ends: it exists with the logged size, carries the
 * Parquet magic `PAR1` at both ends, and has a footer that parses (hyparquet's footer reader), whose
 * column chunks lie inside the file and whose row count matches the log's stats. Reads go through the
 * store as range requests, so a remote file is never downloaded for these checks.
 */
import { parquetMetadata, type ColumnMetaData, type FileMetaData } from 'hyparquet';
import { isLakebenchError } from '../../errors';
import type { ObjectStore } from '../../storage/types';
import type { ProblemKind, VerifyProblem } from './problems';

/** A data file to check: its store key, and what the log says about it (when there is a log). */
export interface DataFileRef {
  path: string;
  size?: number;
  numRecords?: number;
}

export interface CheckedFile {
  key: string;
  /** URL of the object, as problems name it. */
  object: string;
  /** Size of the object as stored (undefined when it is missing). */
  size?: number;
  /** The parsed footer, when it parsed; deep checks need it. */
  metadata?: FileMetaData;
  problems: VerifyProblem[];
}

const MAGIC = 'PAR1';
/** Magic at both ends and the footer length: the smallest thing that can be a Parquet file. */
const MIN_FILE_SIZE = 12;
/** Bytes read from the end first: the whole footer of all but very wide files, in one request. */
const TAIL_FETCH_BYTES = 64 * 1024;

/** Keys the store refuses (a logged path that escapes the table) are problems of the log, not errors of the run. */
const UNREACHABLE = ['OUTSIDE_LOCATION', 'NOT_FOUND'] as const;

export async function checkDataFile(store: ObjectStore, file: DataFileRef): Promise<CheckedFile> {
  const key = file.path;
  const checked: CheckedFile = { key, object: safeUrl(store, key), problems: [] };
  const problem = (kind: ProblemKind, detail: string) => checked.problems.push({ object: checked.object, kind, detail });

  let info;
  try {
    info = await store.head(key);
  } catch (e) {
    if (!UNREACHABLE.some((code) => isLakebenchError(e, code))) throw e;
    problem('missing-file', (e as Error).message);
    return checked;
  }
  if (!info) {
    problem('missing-file', 'the object does not exist');
    return checked;
  }
  const size = info.size;
  checked.size = size;
  if (file.size !== undefined && file.size !== size) {
    problem('size-mismatch', `the log records ${file.size} bytes, the object has ${size}`);
  }
  if (size < MIN_FILE_SIZE) {
    problem('bad-magic', `${size} bytes is too short for a Parquet file (at least ${MIN_FILE_SIZE})`);
    return checked;
  }

  const tailLength = Math.min(size, TAIL_FETCH_BYTES);
  const [head, tail] = await Promise.all([
    tailLength === size ? undefined : store.get(key, { offset: 0, length: MAGIC.length }),
    store.get(key, { offset: size - tailLength, length: tailLength }),
  ]);
  const badEnds = [
    ...(ascii(head ?? tail, 0) !== MAGIC ? ['start'] : []),
    ...(ascii(tail, tail.length - MAGIC.length) !== MAGIC ? ['end'] : []),
  ];
  if (badEnds.length > 0) problem('bad-magic', `no PAR1 magic at the ${badEnds.join(' and ')} of the file`);
  if (badEnds.includes('end')) return checked; // without the end magic the footer length is garbage too

  const footerLength = new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(tail.length - 8, true);
  if (footerLength > size - MIN_FILE_SIZE) {
    problem('bad-footer', `footer length ${footerLength} does not fit in a file of ${size} bytes`);
    return checked;
  }
  const footer =
    footerLength + 8 <= tail.length
      ? tail.subarray(tail.length - footerLength - 8)
      : await store.get(key, { offset: size - footerLength - 8, length: footerLength + 8 });
  try {
    checked.metadata = parquetMetadata(footer, { geoparquet: false });
  } catch (e) {
    problem('bad-footer', `footer does not parse: ${(e as Error).message}`);
    return checked;
  }
  const layoutProblem = footerLayoutProblem(checked.metadata, size - 8);
  if (layoutProblem) {
    problem('bad-footer', layoutProblem);
    checked.metadata = undefined;
    return checked;
  }
  const rows = Number(checked.metadata.num_rows);
  if (file.numRecords !== undefined && file.numRecords !== rows) {
    problem('row-count-mismatch', `the footer holds ${rows} rows, the log's stats say ${file.numRecords}`);
  }
  return checked;
}

/** The byte range of a column chunk: from its dictionary page (when it has one) over all its pages. */
export function columnChunkRange(meta: ColumnMetaData): { start: number; end: number } {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}

/**
 * What makes a parsed footer unusable: row counts that do not add up, or column chunks outside the
 * file. (Chunks reaching into the footer itself are left to the decoders, as arrow-rs does: some
 * writers overstate total_compressed_size.)
 */
function footerLayoutProblem(metadata: FileMetaData, dataEnd: number): string | undefined {
  if (!Array.isArray(metadata.row_groups)) return 'footer has no row groups list';
  const groupRows = metadata.row_groups.reduce((sum, group) => sum + Number(group.num_rows), 0);
  if (groupRows !== Number(metadata.num_rows)) {
    return `footer says ${metadata.num_rows} rows but its row groups hold ${groupRows}`;
  }
  for (const [g, group] of metadata.row_groups.entries()) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta) return `row group ${g} has a column chunk without metadata`;
      const { start, end } = columnChunkRange(meta);
      if (!(start >= MAGIC.length && end <= dataEnd && end >= start)) {
        return `column ${meta.path_in_schema.join('.')} of row group ${g} spans bytes ${start}..${end}, outside the file (4..${dataEnd})`;
      }
    }
  }
  return undefined;
}

function ascii(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + MAGIC.length));
}

function safeUrl(store: ObjectStore, key: string): string {
  try {
    return store.urlOf(key);
  } catch {
    return `${store.url}/${key}`;
  }
}
