/**
 * Partitions as people read them: each file's partition tuple with its transform's meaning spelled out
 * (`day` as 2024-01-01, `month` as 2024-03, `hour` as 2024-01-01-05, bucket numbers, identity values
 * in their column's type), and per spec and partition the files, rows and bytes of a snapshot.
 */
import type { DataFile } from './manifests';
import { partitionValue } from './manifests';
import type { PartitionSpec } from './metadata';
import { decimalOf, type IcebergType } from './schema';
import { parseTransform, resultType } from './transforms';
import { decimalText, fromAvro, type IcebergValue } from './values';

export type DisplayValue = string | number | boolean | null;

export interface PartitionSummary {
  specId: number;
  /** Partition field name → value as shown. */
  values: Record<string, DisplayValue>;
  files: number;
  rows: number;
  bytes: number;
}

const DAY_MS = 86_400_000;

/** A value (of a partition field after `transform`, or of a column: `identity`) as shown to people. */
export function displayValue(value: IcebergValue | null, type: IcebergType, transform = 'identity'): DisplayValue {
  if (value === null) return null;
  const kind = parseTransform(transform).kind;
  const n = Number(value);
  if (kind === 'year') return String(1970 + n);
  if (kind === 'month') return `${1970 + Math.floor(n / 12)}-${String((((n % 12) + 12) % 12) + 1).padStart(2, '0')}`;
  if (kind === 'hour') return new Date(n * 3_600_000).toISOString().slice(0, 13).replace('T', '-');
  if (type === 'date') return new Date(n * DAY_MS).toISOString().slice(0, 10);
  if (type === 'timestamp' || type === 'timestamptz') return new Date(Number((value as bigint) / 1000n)).toISOString();
  const decimal = decimalOf(type);
  if (decimal) return decimalText(value as bigint, decimal.scale);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'bigint') return Number.isSafeInteger(n) ? n : value.toString();
  return value;
}

/** The file's partition values, by partition field name, as shown to people. */
export function partitionDisplay(file: DataFile, spec: PartitionSpec | undefined, sourceTypes: ReadonlyMap<number, IcebergType>): Record<string, DisplayValue> {
  const values: Record<string, DisplayValue> = {};
  for (const [index, field] of (spec?.fields ?? []).entries()) {
    const source = sourceTypes.get(field.sourceIds[0]!) ?? 'string';
    const type = resultType(parseTransform(field.transform), source);
    values[field.name] = displayValue(fromAvro(partitionValue(file, spec!, index), type), type, field.transform);
  }
  return values;
}

/** Files, rows and bytes per (spec, partition) over data files, largest partitions first. */
export function summarizePartitions(
  files: readonly DataFile[],
  specs: ReadonlyMap<number, PartitionSpec>,
  sourceTypes: ReadonlyMap<number, IcebergType>,
): PartitionSummary[] {
  const byKey = new Map<string, PartitionSummary>();
  for (const file of files) {
    if (file.content !== 0) continue;
    const values = partitionDisplay(file, specs.get(file.specId), sourceTypes);
    const key = JSON.stringify([file.specId, values]);
    const summary = byKey.get(key) ?? { specId: file.specId, values, files: 0, rows: 0, bytes: 0 };
    summary.files++;
    summary.rows += file.recordCount;
    summary.bytes += file.fileSizeInBytes;
    byKey.set(key, summary);
  }
  return [...byKey.values()].sort((a, b) => b.rows - a.rows);
}
