/** Which DuckDB types are numbers, times, text or other (nested, binary): the grid and the column profile agree on it. */
import type { ColumnKind } from './workbench';

const NUMBER_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL(\(\d+,\s*\d+\))?)$/;
const TIME_TYPE = /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE|TIMESTAMP\s*\(\d\))$/;
const NESTED_OR_BINARY = /[[\]]|^(STRUCT|MAP|UNION)\(|^(BLOB|BIT)$/;

/** How a DuckDB type is profiled: by histogram (number, time), by top values (text), or counts only. */
export function columnKind(type: string): ColumnKind {
  if (NUMBER_TYPE.test(type)) return 'number';
  if (TIME_TYPE.test(type)) return 'time';
  if (NESTED_OR_BINARY.test(type)) return 'other';
  return 'text';
}
