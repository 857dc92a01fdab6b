/**
 * The table formats Lakebench knows, in the order detection tries them: a format whose tables hold
 * another's files comes first (a Delta table and an Iceberg table hold Parquet files, so plain Parquet
 * folders come last). Adding a format = its folder under core/formats/ plus one line in this list.
 */
import { deltaFormat } from './delta/plugin';
import { desFormat } from './des/plugin';
import { icebergFormat } from './iceberg/plugin';
import { lakesideFormat } from './lakeside/plugin';
import { lakeSyncFormat } from './lakesync/plugin';
import { parquetFolderFormat } from './parquet/plugin';
import type { TableFormat } from './table-format';

const formats: TableFormat[] = [
  deltaFormat,
  icebergFormat,
  lakeSyncFormat,
  lakesideFormat,
  desFormat,
  parquetFolderFormat,
];

export function tableFormats(): readonly TableFormat[] {
  return formats;
}

export function tableFormat(name: string): TableFormat | undefined {
  return formats.find((f) => f.name === name);
}

/**
 * Adds a format ahead of the built-in ones (a test's fake format; a format loaded later) and returns
 * what removes it again. A name already registered is refused.
 */
export function addTableFormat(format: TableFormat): () => void {
  if (tableFormat(format.name)) throw new Error(`a table format named ${format.name} is already registered`);
  formats.unshift(format);
  return () => {
    const at = formats.indexOf(format);
    if (at >= 0) formats.splice(at, 1);
  };
}
