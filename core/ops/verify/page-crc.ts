/**
 * Page CRCs (Parquet format: PageHeader.crc, the CRC32 of the page bytes after the header, as stored —
 * compressed, and for V2 data pages including the levels). Writers may leave it out; where they wrote
 * it, a mismatch is corruption that DuckDB and parquet-wasm read without complaint. Each column
 * chunk's page headers are walked with hyparquet's Thrift reader; page bodies are read only for pages
 * that carry a CRC, so files without CRCs cost a few small reads per page. The walk reads through a
 * `ReadAt`: the file on disk, or the bytes of a file already in memory (salvage reads the file whole
 * anyway).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { FileMetaData, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { columnChunkRange } from './file-checks';

export interface PageCrcResult {
  /** Pages whose header carries a CRC. */
  checkedPages: number;
  /** Pages whose CRC differs, by column and row group. */
  mismatches: { column: string; rowGroup: number; offset: number }[];
  /** A page header that does not parse or overruns its column chunk: the walk of that chunk stopped there. */
  headerErrors: string[];
}

/** Bytes [offset, offset + length) of a file, fewer at its end. */
type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** First read of a page header; a header with wide statistics gets a larger read. */
const HEADER_WINDOW = 16 * 1024;

/** The page CRCs of a file on disk. */
export async function checkPageCrcs(localPath: string, metadata: FileMetaData): Promise<PageCrcResult> {
  const handle = await open(localPath, 'r');
  try {
    return await walkPageCrcs((offset, length) => readAt(handle, offset, length), metadata);
  } finally {
    await handle.close();
  }
}

/** The page CRCs of a file held in memory whole. */
export function checkPageCrcsInBytes(bytes: Uint8Array, metadata: FileMetaData): Promise<PageCrcResult> {
  return walkPageCrcs(async (offset, length) => bytes.subarray(offset, offset + length), metadata);
}

async function walkPageCrcs(read: ReadAt, metadata: FileMetaData): Promise<PageCrcResult> {
  const result: PageCrcResult = { checkedPages: 0, mismatches: [], headerErrors: [] };
  for (const [rowGroup, group] of metadata.row_groups.entries()) {
    for (const chunk of group.columns) {
      const column = chunk.meta_data!.path_in_schema.join('.');
      const { start, end } = columnChunkRange(chunk.meta_data!);
      let offset = start;
      while (offset < end) {
        let page: { header: PageHeader; dataStart: number; window: Uint8Array; windowStart: number };
        try {
          page = await readPageHeader(read, offset, end);
        } catch (e) {
          result.headerErrors.push(`row group ${rowGroup}, column ${column}: page header at byte ${offset} does not parse (${(e as Error).message})`);
          break;
        }
        const { header, dataStart } = page;
        const dataEnd = dataStart + header.compressed_page_size;
        if (!(header.compressed_page_size >= 0) || dataEnd > end) {
          result.headerErrors.push(
            `row group ${rowGroup}, column ${column}: page at byte ${offset} claims ${header.compressed_page_size} bytes, past the end of its column chunk (byte ${end})`,
          );
          break;
        }
        if (header.crc !== undefined) {
          result.checkedPages++;
          const data = await readRange(read, page, dataStart, dataEnd);
          if ((crc32(data) | 0) !== header.crc) result.mismatches.push({ column, rowGroup, offset });
        }
        offset = dataEnd;
      }
    }
  }
  return result;
}

/** Parses the header at `offset`, widening the read until the header fits or the chunk ends. */
async function readPageHeader(read: ReadAt, offset: number, chunkEnd: number) {
  for (let length = Math.min(HEADER_WINDOW, chunkEnd - offset); ; length = Math.min(length * 4, chunkEnd - offset)) {
    const window = await read(offset, length);
    try {
      const reader = { view: new DataView(window.buffer, window.byteOffset, window.byteLength), offset: 0 };
      const header = parquetHeader(reader);
      return { header, dataStart: offset + reader.offset, window, windowStart: offset };
    } catch (e) {
      if (length >= chunkEnd - offset) throw e; // the whole rest of the chunk did not hold a header
    }
  }
}

/** Bytes [start, end) of the file, from the header's read window when it already holds them. */
async function readRange(read: ReadAt, page: { window: Uint8Array; windowStart: number }, start: number, end: number): Promise<Uint8Array> {
  const { window, windowStart } = page;
  if (end - windowStart <= window.length) return window.subarray(start - windowStart, end - windowStart);
  return read(start, end - start);
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
