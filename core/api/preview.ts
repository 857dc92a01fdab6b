/**
 * Object preview for the explorer. Parquet: schema, row groups, per-column-chunk stats and the first
 * rows, read by DuckDB from the footer (parquet_metadata) and the file (remote files go through the
 * cache first). Anything else: the first lines of text, or just "binary".
 */
import { LakebenchError } from '../errors';
import { quoteLiteral } from '../sql-text';
import type { FileCache } from '../storage/cache';
import type { ObjectStore } from '../storage/types';
import type { JsonValue } from '../sql/json-values';
import type { ParquetColumnStats, ParquetRowGroup, PreviewResult } from './workbench';

const TEXT_PREVIEW_BYTES = 256 * 1024;
/** A NUL byte among the first bytes marks a file as binary (what `file` and git do too). */
const BINARY_SNIFF_BYTES = 8 * 1024;

export async function previewObject(store: ObjectStore, key: string, limit: number, cache: FileCache): Promise<PreviewResult> {
  const url = store.urlOf(key);
  const info = await store.head(key);
  if (!info) throw new LakebenchError('NOT_FOUND', 'no such object', { object: url });
  if (/\.parquet$/i.test(key)) {
    const path = await cache.ensureLocal(store, key, { size: info.size, etag: info.etag });
    return { kind: 'parquet', url, size: info.size, ...(await parquetPreview(path, limit, url)) };
  }
  const length = Math.min(info.size, TEXT_PREVIEW_BYTES);
  const bytes = length === 0 ? new Uint8Array() : await store.get(key, { offset: 0, length });
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { kind: 'binary', url, size: info.size };
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/);
  // The last line of a cut-off read is partial; so is a trailing empty string after the final newline.
  if (length < info.size || lines.at(-1) === '') lines.pop();
  return {
    kind: 'text',
    url,
    size: info.size,
    format: textFormatOf(key),
    lines: lines.slice(0, limit),
    truncated: length < info.size || lines.length > limit,
  };
}

function textFormatOf(key: string): 'json' | 'ndjson' | 'csv' | 'text' {
  const extension = /\.([a-z]+)$/i.exec(key)?.[1]?.toLowerCase();
  if (extension === 'json') return 'json';
  if (extension === 'ndjson' || extension === 'jsonl') return 'ndjson';
  if (extension === 'csv' || extension === 'tsv') return 'csv';
  return 'text';
}

async function parquetPreview(path: string, limit: number, url: string) {
  const { SqlSession } = await import('../sql/session');
  const session = await SqlSession.create({ threads: 1 });
  const file = quoteLiteral(path);
  try {
    const schema = await session.query(`DESCRIBE SELECT * FROM read_parquet(${file})`);
    const chunks = await session.query(
      `SELECT row_group_id, row_group_num_rows, path_in_schema, type, compression, num_values, stats_null_count,
              coalesce(stats_min_value, stats_min) AS min, coalesce(stats_max_value, stats_max) AS max,
              total_compressed_size, total_uncompressed_size
       FROM parquet_metadata(${file}) ORDER BY row_group_id, column_id`,
    );
    const head = await session.query(`SELECT * FROM read_parquet(${file}) LIMIT ${limit}`);
    const columnStats = chunks.rows.map((r): ParquetColumnStats => ({
      rowGroup: Number(r.row_group_id),
      column: String(r.path_in_schema),
      type: String(r.type),
      compression: String(r.compression),
      numValues: Number(r.num_values),
      ...(r.stats_null_count !== null && { nullCount: Number(r.stats_null_count) }),
      ...(r.min !== null && { min: String(r.min) }),
      ...(r.max !== null && { max: String(r.max) }),
      compressedBytes: Number(r.total_compressed_size),
      uncompressedBytes: Number(r.total_uncompressed_size),
    }));
    const rowGroups = new Map<number, ParquetRowGroup>();
    for (const r of chunks.rows) {
      const index = Number(r.row_group_id);
      const group = rowGroups.get(index) ?? { index, rows: Number(r.row_group_num_rows), bytes: 0 };
      group.bytes += Number(r.total_compressed_size);
      rowGroups.set(index, group);
    }
    return {
      rows: [...rowGroups.values()].reduce((sum, g) => sum + g.rows, 0),
      schema: schema.rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) })),
      rowGroups: [...rowGroups.values()],
      columnStats,
      head: { columns: head.columns, rows: head.rows.map((row) => head.columns.map((c) => row[c.name] as JsonValue)) },
    };
  } catch (e) {
    throw new LakebenchError(isCorrupt(e) ? 'CORRUPT' : 'IO', `cannot read the Parquet file: ${(e as Error).message}`, { object: url, cause: e });
  } finally {
    session.close();
  }
}

function isCorrupt(e: unknown): boolean {
  return e instanceof LakebenchError ? e.code === 'CORRUPT' || e.code === 'USAGE' : true;
}
