/**
 * Delta `add.stats` of a Parquet file we wrote, read from its footer only (DuckDB's
 * parquet_metadata()): row-group statistics aggregated per top-level column, typed as the column is.
 * Nested columns get no statistics (Delta would need nested objects; skipping is always allowed).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FileStats } from '../formats/delta/actions';
import { describe, queryRows } from './scratch-db';
import { quoteLiteral } from '../sql-text';

/** DuckDB types whose min/max Delta readers use for data skipping, and how to write them as JSON. */
function minMaxJson(type: string, value: string): string | undefined {
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|DECIMAL\(\d+,\d+\)|DATE|VARCHAR)$/.test(type)) return `to_json(${value})`;
  if (type === 'FLOAT' || type === 'DOUBLE') return `CASE WHEN isfinite(${value}) THEN to_json(${value}) END`;
  // ISO 8601 with microseconds: `timestamp` (an instant) in UTC with `Z`, `timestamp_ntz` without a zone.
  if (type === 'TIMESTAMP WITH TIME ZONE') return `to_json(strftime(${value} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'))`;
  if (type === 'TIMESTAMP') return `to_json(strftime(${value}, '%Y-%m-%dT%H:%M:%S.%f'))`;
  return undefined;
}

function isNested(type: string): boolean {
  return /^(STRUCT|MAP|UNION)\b/.test(type) || type.endsWith(']');
}

export async function fileStats(connection: DuckDBConnection, localPath: string): Promise<FileStats> {
  const path = quoteLiteral(localPath);
  const [count] = await queryRows(connection, `SELECT num_rows AS n FROM parquet_file_metadata(${path})`);
  const stats: Required<Pick<FileStats, 'numRecords' | 'minValues' | 'maxValues' | 'nullCount'>> = {
    numRecords: Number(count!.n),
    minValues: {},
    maxValues: {},
    nullCount: {},
  };
  const columns = (await describe(connection, `SELECT * FROM read_parquet(${path}, hive_partitioning = false)`)).filter((c) => !isNested(c.type));
  if (columns.length === 0) return stats;

  const perColumn = columns.map(({ name, type }) => {
    const typed = (v: string) => `CAST(${v} AS ${type})`;
    const min = minMaxJson(type, `min(${typed('stats_min_value')})`);
    const max = minMaxJson(type, `max(${typed('stats_max_value')})`);
    // Bounds are only known when every row group with a non-null value carries them.
    const boundsKnown = 'bool_and(stats_min_value IS NOT NULL AND stats_max_value IS NOT NULL OR stats_null_count = row_group_num_rows)';
    return `SELECT ${quoteLiteral(name)} AS name,
        ${min ? `CASE WHEN ${boundsKnown} THEN (${min})::VARCHAR END` : 'NULL::VARCHAR'} AS min_json,
        ${max ? `CASE WHEN ${boundsKnown} THEN (${max})::VARCHAR END` : 'NULL::VARCHAR'} AS max_json,
        CASE WHEN bool_and(stats_null_count IS NOT NULL) THEN sum(stats_null_count)::BIGINT END AS nulls
      FROM parquet_metadata(${path}) WHERE path_in_schema = ${quoteLiteral(name)}`;
  });
  for (const row of await queryRows(connection, perColumn.join('\nUNION ALL\n'))) {
    const name = String(row.name);
    setIfExact(stats.minValues, name, row.min_json);
    setIfExact(stats.maxValues, name, row.max_json);
    if (row.nulls !== null) stats.nullCount[name] = Number(row.nulls);
  }
  return stats;
}

/** Keeps a bound only when JSON can carry it exactly (integers beyond 2^53 would be rounded). */
function setIfExact(target: Record<string, unknown>, name: string, json: unknown): void {
  if (json === null || json === undefined) return;
  const value: unknown = JSON.parse(String(json));
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return;
  if (value !== null) target[name] = value;
}
