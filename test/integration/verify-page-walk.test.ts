/**
 * The page walk of verify --deep on files DuckDB writes with every codec it has, V1 and V2 data pages:
 * clean files pass, a page whose compressed bytes are damaged is named by row group, column and byte,
 * and a page header whose value count was changed is caught by the chunk's count. Also the two zstd
 * decompressors (node:zlib, and the WebAssembly one for Node before 22.15) agree.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetMetadata, type ColumnMetaData, type FileMetaData, type PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnChunkRange } from '../../core/ops/verify/file-checks';
import { decompressionProblem, zstdNative, zstdWasm } from '../../core/ops/verify/page-codecs';
import { walkFilePages } from '../../core/ops/verify/page-walk';
import { verifyLocation } from '../../core/ops/verify/verify';
import { LocalStore } from '../../core/storage/local';

const COMPRESSED = ['snappy', 'gzip', 'zstd', 'brotli', 'lz4'] as const;
const PAGE_VERSIONS = ['V1', 'V2'] as const;

let work: string;
let connection: DuckDBConnection;
let files = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lakebench-page-walk-'));
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  connection?.closeSync();
  await rm(work, { recursive: true, force: true });
});

/** A file of ints, repeating strings with nulls and a list column, with `codec` and data pages of `version`. */
async function writeFileWith(codec: string, version: string, folder = work): Promise<string> {
  await mkdir(folder, { recursive: true });
  const path = join(folder, `${codec}-${version}-${files++}.parquet`);
  await connection.run(
    `COPY (SELECT i AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE 'name-' || (i % 113) END AS name, [i, i + 1] AS pair
           FROM range(6144) t(i))
     TO '${path}' (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE 2048)`,
  );
  return path;
}

const metadataOf = async (path: string): Promise<FileMetaData> => parquetMetadata((await readFile(path)).buffer as ArrayBuffer);

interface Page {
  header: PageHeader;
  /** File offsets of the header's start and of the body's start. */
  start: number;
  bodyStart: number;
}

/** The first data page of the file's `id` column chunk in row group 1. */
function firstDataPage(bytes: Buffer, metadata: FileMetaData): Page & { meta: ColumnMetaData } {
  const meta = metadata.row_groups[1]!.columns[0]!.meta_data!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let start = columnChunkRange(meta).start; ; ) {
    const reader = { view, offset: start };
    const header = parquetHeader(reader);
    if (header.type !== 'DICTIONARY_PAGE') return { header, start, bodyStart: reader.offset, meta };
    start = reader.offset + header.compressed_page_size;
  }
}

/** Inverts the first 8 compressed bytes of a page (after a V2 page's uncompressed levels): codec headers live there. */
async function damageCompressedBytes(path: string): Promise<{ offset: number }> {
  const bytes = await readFile(path);
  const page = firstDataPage(bytes, await metadataOf(path));
  const v2 = page.header.data_page_header_v2;
  const from = page.bodyStart + (v2 ? v2.repetition_levels_byte_length + v2.definition_levels_byte_length : 0);
  expect(page.bodyStart + page.header.compressed_page_size - from).toBeGreaterThan(8);
  for (let i = from; i < from + 8; i++) bytes[i] ^= 0xff;
  await writeFile(path, bytes);
  return { offset: page.start };
}

/** Lowers the value count a data page header states by one, keeping the header's length (zigzag varints of equal width). */
async function understateValues(path: string): Promise<{ stated: number; actual: number }> {
  const bytes = await readFile(path);
  const page = firstDataPage(bytes, await metadataOf(path));
  const count = (page.header.data_page_header ?? page.header.data_page_header_v2)!.num_values;
  const [from, to] = [varint(count * 2), varint((count - 1) * 2)];
  expect(to.length).toBe(from.length);
  // Field 1 of the page's header struct (compact protocol: delta 1, type i32 = 0x15), then the count.
  const header = bytes.subarray(page.start, page.bodyStart);
  const at = header.indexOf(Buffer.from([0x15, ...from]));
  expect(at).toBeGreaterThan(0);
  header.set(to, at + 1);
  await writeFile(path, bytes);
  return { stated: Number(page.meta.num_values) - 1, actual: Number(page.meta.num_values) };
}

function varint(value: number): number[] {
  const out: number[] = [];
  for (; value >= 0x80; value >>>= 7) out.push((value & 0x7f) | 0x80);
  return [...out, value];
}

describe('the page walk of verify --deep', () => {
  it.each(PAGE_VERSIONS)('passes clean files of every codec with %s data pages', async (version) => {
    const folder = join(work, `clean-${version}`);
    const codecs = ['uncompressed', ...COMPRESSED];
    for (const codec of codecs) {
      const path = await writeFileWith(codec, version, folder);
      expect(await walkFilePages(path, await metadataOf(path), { decompress: true }), `${codec} ${version}`).toEqual({
        checkedPages: 0,
        mismatches: [],
        pageErrors: [],
      });
    }
    const report = await verifyLocation(new LocalStore(folder), { deep: true });
    expect(report.problems).toEqual([]);
    expect(report.checked.files).toBe(codecs.length);
  });

  it.each(COMPRESSED.flatMap((codec) => PAGE_VERSIONS.map((version) => [codec, version])))(
    'names a %s page with %s layout whose compressed bytes are damaged',
    async (codec, version) => {
      const path = await writeFileWith(codec, version);
      const { offset } = await damageCompressedBytes(path);
      const { pageErrors } = await walkFilePages(path, await metadataOf(path), { decompress: true });
      expect(pageErrors[0]).toMatch(new RegExp(`^row group 1, column id: page at byte ${offset} (does not decompress|holds \\d+ bytes uncompressed|decompresses to more)`));
      // Without decompression (salvage's walk) the damage is invisible: no CRC, and the header is intact.
      expect((await walkFilePages(path, await metadataOf(path), { decompress: false })).pageErrors).toEqual([]);
    },
  );

  it('reports a damaged page with the errors of DuckDB, parquet-wasm and the walk', async () => {
    const folder = join(work, 'one-damaged');
    const store = new LocalStore(folder);
    await mkdir(folder);
    await connection.run(`COPY (SELECT i AS id FROM range(6144) t(i)) TO '${join(folder, 'clean.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    await connection.run(`COPY (SELECT i AS id FROM range(6144) t(i)) TO '${join(folder, 'damaged.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    const { offset } = await damageCompressedBytes(join(folder, 'damaged.parquet'));
    const report = await verifyLocation(store, { deep: true });
    expect(report.problems.map((p) => [p.kind, p.object])).toEqual([['decode-error', store.urlOf('damaged.parquet')]]);
    expect(report.problems[0]!.detail).toMatch(new RegExp(`^DuckDB: .*; parquet-wasm: .*; row group 1, column id: page at byte ${offset} does not decompress`));
  });

  it.each(PAGE_VERSIONS)('catches a %s data page header that understates its values', async (version) => {
    const path = await writeFileWith('zstd', version);
    const { stated, actual } = await understateValues(path);
    const { pageErrors } = await walkFilePages(path, await metadataOf(path), { decompress: true });
    expect(pageErrors).toEqual([`row group 1, column id: its data pages hold ${stated} values, the column chunk's metadata says ${actual}`]);
    const report = await verifyLocation(new LocalStore(work), { file: path.slice(work.length + 1), deep: true });
    expect(report.problems).toMatchObject([{ kind: 'decode-error', detail: expect.stringContaining(pageErrors[0]!) }]);
  });

  it('fails with an IO error naming a file it cannot read', async () => {
    const path = await writeFileWith('zstd', 'V1');
    const metadata = await metadataOf(path);
    await rm(path);
    await expect(walkFilePages(path, metadata, { decompress: true })).rejects.toMatchObject({
      code: 'IO',
      object: path,
      message: expect.stringMatching(/^could not read the file to check it: ENOENT/),
    });
  });

  it('refuses a snappy or LZ4 page stating more bytes than its codec can inflate to, before allocating them', async () => {
    const body = new Uint8Array(16);
    for (const codec of ['SNAPPY', 'LZ4_RAW'] as const) {
      expect(await decompressionProblem(codec, body, 2 ** 31 - 1)).toBe(`does not decompress (${codec}: 16 bytes cannot hold ${2 ** 31 - 1})`);
    }
  });

  it('decompresses zstd alike with node:zlib and WebAssembly, and both refuse a damaged frame', async () => {
    const path = await writeFileWith('zstd', 'V1');
    const bytes = await readFile(path);
    const page = firstDataPage(bytes, await metadataOf(path));
    const body = bytes.subarray(page.bodyStart, page.bodyStart + page.header.compressed_page_size);
    const [native, wasm] = await Promise.all([zstdNative(body, page.header.uncompressed_page_size), zstdWasm(body, page.header.uncompressed_page_size)]);
    expect(native.length).toBe(page.header.uncompressed_page_size);
    expect(Buffer.from(wasm).equals(Buffer.from(native))).toBe(true);
    const damaged = Buffer.from(body).map((byte, i) => (i < 4 ? byte ^ 0xff : byte));
    await expect(zstdNative(damaged, page.header.uncompressed_page_size)).rejects.toThrow();
    await expect(zstdWasm(damaged, page.header.uncompressed_page_size)).rejects.toThrow();
  });
});
