/** A file's partition values as the Delta log records them: keyed by physical name, '' and null both null. */
import type { AddFile, StructType } from './actions';
import { physicalColumnName, type ColumnMappingMode } from './column-mapping';

/** A partition value from the log: null and '' both mean null (Delta protocol, "Partition Value Serialization"). */
export function logValue(add: AddFile, column: string): string | null {
  const value = add.partitionValues[column];
  return value === undefined || value === null || value === '' ? null : value;
}

/** The partition value of a file for a (display-named) partition column: the log keys it by its physical name. */
export function partitionValueOf(table: { schema: StructType; columnMapping?: ColumnMappingMode }, add: AddFile, column: string): string | null {
  return logValue(add, physicalColumnName(table.schema, column, table.columnMapping ?? 'none'));
}
