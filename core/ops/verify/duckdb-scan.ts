/**
 * The first decoder of --deep: DuckDB reads every value of every column. Hashing each column forces
 * the reader to decode every page (a count could be answered from the footer or the definition levels
 * alone) while keeping the result one row. All files go in one query, so DuckDB spreads row groups
 * over its threads; only when that query fails are the files scanned one by one to find the culprits.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral, quoteLiteralList } from '../../sql-text';

const scanSql = (files: string) => `SELECT max(hash(COLUMNS(*))) FROM read_parquet(${files}, union_by_name = true, hive_partitioning = false)`;

/** DuckDB's error per local path that fails to decode; an empty map when all decode. */
export async function duckdbDecodeErrors(connection: DuckDBConnection, paths: string[], checkCancelled: () => void): Promise<Map<string, string>> {
  const errors = new Map<string, string>();
  if (paths.length === 0) return errors;
  try {
    await connection.run(scanSql(quoteLiteralList(paths)));
    return errors;
  } catch {
    checkCancelled();
  }
  // One file at a time names each file that fails; if none fails alone, the files only disagreed on a
  // column's type, which union_by_name could not reconcile: that is not corruption.
  for (const path of paths) {
    try {
      await connection.run(scanSql(quoteLiteral(path)));
    } catch (e) {
      checkCancelled();
      errors.set(path, firstLine((e as Error).message));
    }
  }
  return errors;
}

/** DuckDB appends the query text (with every path) to its messages; the first line says what failed. */
const firstLine = (message: string) => message.split('\n', 1)[0]!;
