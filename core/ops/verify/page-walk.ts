/**
 * The page walk of --deep: every page of every column chunk, from the raw bytes, independently of any
 * Parquet reader. Each chunk is read in one piece (as arrow-rs and DuckDB fetch a chunk), its page
 * headers parsed with hyparquet's Thrift reader, and for each page:
 * - its CRC, where the writer stored one (PageHeader.crc: the CRC32 of the page bytes after the header,
 *   as stored — compressed, and for V2 data pages including the levels): a mismatch is corruption that
 *   decoders read without complaint;
 * - with `decompress`, its body decompressed by a native codec (page-codecs.ts) and held to the size
 *   its header states;
 * and for each chunk, that its data pages hold as many values as its metadata says (parquet-mr reads a
 * chunk's pages until that count is reached: a lost or invented page shows here).
 * This is the second reader next to DuckDB's decode: the damage a second decoder finds in a file DuckDB
 * reads (a page that inflates wrong, headers that do not add up) lives in these bytes, and a full second
 * decode (parquet-wasm) costs several times DuckDB's whole scan.
 * The walk reads through a `ReadAt`: the file on disk, or the bytes of a file already in memory
 * (salvage reads the file whole anyway).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { ColumnMetaData, FileMetaData, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { LakebenchError } from '../../errors';
import { columnChunkRange } from './file-checks';
import { decompressionProblem } from './page-codecs';

export interface PageWalkResult {
  /** Pages whose header carries a CRC. */
  checkedPages: number;
  /** Pages whose CRC differs, by column and row group. */
  mismatches: { column: string; rowGroup: number; offset: number }[];
  /**
   * Pages that cannot be read: a header that does not parse or overruns its column chunk (the walk of
   * that chunk stops there), a body that does not decompress to its stated size, value counts that
   * disagree with the chunk's.
   */
  pageErrors: string[];
}

export interface PageWalkOptions {
  /** Also decompress every page and compare the value counts (verify); salvage wants only the CRCs. */
  decompress: boolean;
}

/** Bytes [offset, offset + length) of a file, fewer at its end. */
type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** The pages of a file on disk. What is wrong with them is in the result; a file that cannot be read is an IO error. */
export async function walkFilePages(localPath: string, metadata: FileMetaData, options: PageWalkOptions): Promise<PageWalkResult> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(localPath, 'r');
    return await walkPages((offset, length) => readAt(handle!, offset, length), metadata, options);
  } catch (e) {
    throw new LakebenchError('IO', `could not read the file to check it: ${(e as Error).message}`, { object: localPath, cause: e });
  } finally {
    await handle?.close();
  }
}

/** The pages of a file held in memory whole. */
export function walkPagesInBytes(bytes: Uint8Array, metadata: FileMetaData, options: PageWalkOptions): Promise<PageWalkResult> {
  return walkPages(async (offset, length) => bytes.subarray(offset, offset + length), metadata, options);
}

async function walkPages(read: ReadAt, metadata: FileMetaData, options: PageWalkOptions): Promise<PageWalkResult> {
  const result: PageWalkResult = { checkedPages: 0, mismatches: [], pageErrors: [] };
  for (const [rowGroup, group] of metadata.row_groups.entries()) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data!;
      const { start, end } = columnChunkRange(meta);
      await walkChunk(await read(start, end - start), start, { rowGroup, meta }, options, result);
    }
  }
  return result;
}

/** The pages of one column chunk, whose bytes are `bytes`, starting at byte `start` of the file. */
async function walkChunk(
  bytes: Uint8Array,
  start: number,
  { rowGroup, meta }: { rowGroup: number; meta: ColumnMetaData },
  { decompress }: PageWalkOptions,
  result: PageWalkResult,
): Promise<void> {
  const column = meta.path_in_schema.join('.');
  const pageError = (text: string) => result.pageErrors.push(`row group ${rowGroup}, column ${column}: ${text}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let values = 0;
  for (let offset = 0; offset < bytes.length; ) {
    const at = start + offset;
    let header: PageHeader;
    const reader = { view, offset };
    try {
      header = parquetHeader(reader);
    } catch (e) {
      return void pageError(`page header at byte ${at} does not parse (${(e as Error).message})`);
    }
    const body = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    if (!(header.compressed_page_size >= 0) || reader.offset + header.compressed_page_size > bytes.length) {
      return void pageError(`page at byte ${at} claims ${header.compressed_page_size} bytes, past the end of its column chunk (byte ${start + bytes.length})`);
    }
    if (header.crc !== undefined) {
      result.checkedPages++;
      if ((crc32(body) | 0) !== header.crc) result.mismatches.push({ column, rowGroup, offset: at });
    }
    if (decompress) {
      const problem = await bodyProblem(meta, header, body);
      if (problem) pageError(`page at byte ${at} ${problem}`);
    }
    values += header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values ?? 0;
    offset = reader.offset + header.compressed_page_size;
  }
  if (decompress && values !== Number(meta.num_values)) {
    pageError(`its data pages hold ${values} values, the column chunk's metadata says ${meta.num_values}`);
  }
}

/**
 * What is wrong with a page's body. A V2 data page keeps its levels uncompressed ahead of the values,
 * and may leave the values uncompressed too; index pages (never written in practice) are skipped.
 */
async function bodyProblem(meta: ColumnMetaData, header: PageHeader, body: Uint8Array): Promise<string | undefined> {
  const v2 = header.data_page_header_v2;
  if (!v2) {
    const paged = header.data_page_header ?? header.dictionary_page_header;
    return paged && decompressionProblem(meta.codec, body, header.uncompressed_page_size);
  }
  const levels = v2.repetition_levels_byte_length + v2.definition_levels_byte_length;
  if (!(levels >= 0 && levels <= body.length && levels <= header.uncompressed_page_size)) {
    return `has ${levels} bytes of levels, more than its ${body.length} bytes`;
  }
  return decompressionProblem(v2.is_compressed === false ? 'UNCOMPRESSED' : meta.codec, body.subarray(levels), header.uncompressed_page_size - levels);
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
