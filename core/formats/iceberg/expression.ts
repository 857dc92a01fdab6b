/**
 * Filters for scan planning: a predicate over table columns (by field id, literals in internal form),
 * evaluated "might match" against a manifest's partition summaries and a data file's partition tuple
 * and column bounds, the way Iceberg's inclusive projection and metrics evaluators do. A false answer
 * proves no row of the manifest or file can pass; anything unsure answers true.
 */
import type { PartitionSpec } from './metadata';
import { partitionValue, type DataFile, type FieldSummary } from './manifests';
import type { IcebergType } from './schema';
import { applyTransform, parseTransform, preservesOrder, resultType } from './transforms';
import { compareValues, fromAvro, fromBound, type IcebergValue } from './values';

export type CompareOp = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

export type LeafPredicate =
  | { op: CompareOp; fieldId: number; value: IcebergValue }
  | { op: 'in'; fieldId: number; values: IcebergValue[] }
  | { op: 'isNull' | 'notNull'; fieldId: number };

export type Predicate = LeafPredicate | { op: 'and' | 'or'; children: Predicate[] };

/** Source column types by field id, for the columns predicates name. */
export type ColumnTypes = ReadonlyMap<number, IcebergType>;

/** What a partition field can say about a value range: null, or its lower/upper values (inclusive). */
interface Range {
  lower?: IcebergValue;
  upper?: IcebergValue;
  /** The range holds at least one null. */
  hasNull: boolean;
  /** The range holds at least one non-null value. */
  hasValue: boolean;
}

/** The predicate on a partition field's values implied by a predicate on its source column; undefined = no information. */
function project(
  predicate: LeafPredicate,
  transformText: string,
  sourceType: IcebergType,
): LeafPredicate | undefined {
  const transform = parseTransform(transformText);
  if (transform.kind === 'void' || transform.kind === 'unknown') return undefined;
  if (predicate.op === 'isNull' || predicate.op === 'notNull') {
    // Every transform but void maps null to null and non-null to non-null.
    return predicate;
  }
  const t = (v: IcebergValue) => applyTransform(transform, v, sourceType) as IcebergValue;
  if (predicate.op === 'in') return { ...predicate, values: predicate.values.map(t) };
  const compare = predicate as Extract<LeafPredicate, { value: IcebergValue }>;
  if (compare.op === 'eq') return { ...compare, value: t(compare.value) };
  if (!preservesOrder(transform)) return undefined;
  // x < v ⇒ t(x) ≤ t(v) for an order-keeping t (strictness is lost to rounding).
  const op = compare.op === 'lt' ? 'lte' : compare.op === 'gt' ? 'gte' : compare.op;
  return { ...compare, op, value: t(compare.value) };
}

/** Might some value in `range` satisfy the (leaf) predicate? */
function rangeMightMatch(predicate: LeafPredicate, range: Range): boolean {
  switch (predicate.op) {
    case 'isNull':
      return range.hasNull;
    case 'notNull':
      return range.hasValue;
    case 'in':
      return range.hasValue && predicate.values.some((v) => within(v, range));
    case 'eq':
      return range.hasValue && within(predicate.value, range);
    case 'lt':
      return range.hasValue && (range.lower === undefined || compareValues(range.lower, predicate.value) < 0);
    case 'lte':
      return range.hasValue && (range.lower === undefined || compareValues(range.lower, predicate.value) <= 0);
    case 'gt':
      return range.hasValue && (range.upper === undefined || compareValues(range.upper, predicate.value) > 0);
    case 'gte':
      return range.hasValue && (range.upper === undefined || compareValues(range.upper, predicate.value) >= 0);
  }
}

function within(value: IcebergValue, range: Range): boolean {
  return (
    (range.lower === undefined || compareValues(range.lower, value) <= 0) &&
    (range.upper === undefined || compareValues(range.upper, value) >= 0)
  );
}

/** Evaluates and/or; a leaf answers through `leaf` (true when it knows nothing). */
function evaluate(predicate: Predicate, leaf: (p: LeafPredicate) => boolean): boolean {
  if (predicate.op === 'and') return predicate.children.every((c) => evaluate(c, leaf));
  if (predicate.op === 'or') return predicate.children.some((c) => evaluate(c, leaf));
  return leaf(predicate as LeafPredicate);
}

/** Leaf answers from partition fields: false when any partition field on the column rules the value out. */
function partitionLeaf(
  predicate: LeafPredicate,
  spec: PartitionSpec,
  types: ColumnTypes,
  rangeOf: (fieldIndex: number, type: IcebergType) => Range | undefined,
): boolean {
  const sourceType = types.get(predicate.fieldId);
  if (sourceType === undefined) return true;
  for (const [index, field] of spec.fields.entries()) {
    if (field.sourceIds.length !== 1 || field.sourceIds[0] !== predicate.fieldId) continue;
    const projected = project(predicate, field.transform, sourceType);
    const range = projected && rangeOf(index, resultType(parseTransform(field.transform), sourceType));
    if (projected && range && !rangeMightMatch(projected, range)) return false;
  }
  return true;
}

/** Might the manifest (by its manifest-list partition summaries) hold a file with a matching row? */
export function manifestMightMatch(predicate: Predicate, spec: PartitionSpec, summaries: FieldSummary[] | undefined, types: ColumnTypes): boolean {
  if (!summaries) return true;
  return evaluate(predicate, (leaf) =>
    partitionLeaf(leaf, spec, types, (index, type) => {
      const summary = summaries[index];
      if (!summary) return undefined;
      const hasValue = summary.lowerBound !== undefined || summary.upperBound !== undefined;
      return {
        hasNull: summary.containsNull,
        // Without bounds, a field that is not all-null may still hold values: stay unsure.
        hasValue: hasValue || !summary.containsNull,
        ...(summary.lowerBound && { lower: fromBound(summary.lowerBound, type) }),
        ...(summary.upperBound && { upper: fromBound(summary.upperBound, type) }),
      };
    }),
  );
}

/** Float bounds leave NaN out, and DuckDB orders NaN above every number: never prune on them. */
const UNORDERED = new Set(['float', 'double']);

/** Might the data file hold a matching row (by its partition tuple and its column bounds and counts)? */
export function fileMightMatch(predicate: Predicate, spec: PartitionSpec, file: DataFile, types: ColumnTypes): boolean {
  return evaluate(predicate, (leaf) => {
    const byPartition = partitionLeaf(leaf, spec, types, (index, type) => {
      const value = fromAvro(partitionValue(file, spec, index), type);
      return value === null ? { hasNull: true, hasValue: false } : { hasNull: false, hasValue: true, lower: value, upper: value };
    });
    return byPartition && metricsMightMatch(leaf, file, types);
  });
}

function metricsMightMatch(predicate: LeafPredicate, file: DataFile, types: ColumnTypes): boolean {
  const type = types.get(predicate.fieldId);
  if (type === undefined || typeof type !== 'string') return true;
  const nulls = file.nullValueCounts?.get(predicate.fieldId);
  const values = file.valueCounts?.get(predicate.fieldId);
  const allNull = nulls !== undefined && values !== undefined && nulls === values;
  const range: Range = {
    hasNull: nulls === undefined || nulls > 0,
    hasValue: !allNull,
  };
  if (!UNORDERED.has(type)) {
    const lower = file.lowerBounds?.get(predicate.fieldId);
    const upper = file.upperBounds?.get(predicate.fieldId);
    if (lower) range.lower = fromBound(lower, type);
    if (upper) range.upper = fromBound(upper, type);
  }
  return rangeMightMatch(predicate, range);
}
