/**
 * The record schema of a Lakeside staging area (formats.md §2): `schema/schema.json` lists fields with
 * Parquet physical types, which map to Delta types here; records (JSON objects) are checked against
 * the fields. Without a schema file, field types are inferred from the records themselves.
 * Pure functions: no storage, no DuckDB.
 */
import { LakebenchError } from '../../errors';
import type { DeltaType } from '../delta/actions';

export interface StagingField {
  name: string;
  type: DeltaType;
  /** REQUIRED in the schema: a record without a value (or with null) is rejected. */
  required: boolean;
  /** Integer values of a date/timestamp field count from the epoch in this unit (Parquet's DATE, TIMESTAMP_*). */
  epochUnit?: EpochUnit;
  /** Any JSON value is accepted and kept as its JSON text (an inferred field of mixed kinds). */
  anyValue?: boolean;
}

export type EpochUnit = 'days' | 'ms' | 'us' | 'ns';

interface SchemaFileField {
  name?: unknown;
  type?: unknown;
  logicalType?: unknown;
  repetitionType?: unknown;
  precision?: unknown;
  scale?: unknown;
}

/** Parses `schema/schema.json`; `object` (its URL) names it in errors. */
export function parseStagingSchema(text: string, object: string): StagingField[] {
  let parsed: { fields?: unknown };
  try {
    parsed = JSON.parse(text) as { fields?: unknown };
  } catch (e) {
    throw new LakebenchError('CORRUPT', `staging schema is not valid JSON: ${(e as Error).message}`, { object, cause: e });
  }
  if (!Array.isArray(parsed?.fields)) throw new LakebenchError('CORRUPT', 'staging schema has no "fields" list', { object });
  const seen = new Set<string>();
  return (parsed.fields as SchemaFileField[]).map((field, i) => {
    if (typeof field?.name !== 'string' || field.name === '') {
      throw new LakebenchError('CORRUPT', `field ${i} of the staging schema has no name`, { object });
    }
    if (seen.has(field.name)) throw new LakebenchError('CORRUPT', `field "${field.name}" appears twice in the staging schema`, { object });
    seen.add(field.name);
    const mapped = parquetFieldType(field, object);
    const repetition = String(field.repetitionType ?? 'OPTIONAL').toUpperCase();
    return {
      name: field.name,
      type: repetition === 'REPEATED' ? { type: 'array', elementType: mapped.type, containsNull: true } : mapped.type,
      required: repetition === 'REQUIRED',
      ...(mapped.epochUnit && repetition !== 'REPEATED' && { epochUnit: mapped.epochUnit }),
    };
  });
}

/** Parquet physical type + logical/converted type → Delta type (Parquet LogicalTypes.md). */
function parquetFieldType(field: SchemaFileField, object: string): { type: DeltaType; epochUnit?: EpochUnit } {
  const physical = String(field.type ?? '').toUpperCase();
  const logicalSpec = field.logicalType as { type?: unknown; unit?: unknown; precision?: unknown; scale?: unknown } | string | undefined;
  const logical = String((typeof logicalSpec === 'object' && logicalSpec !== null ? logicalSpec.type : logicalSpec) ?? '').toUpperCase();
  const unitText = String((typeof logicalSpec === 'object' && logicalSpec?.unit) || logical).toUpperCase();
  const unit: EpochUnit = /NANO/.test(unitText) ? 'ns' : /MICRO/.test(unitText) ? 'us' : 'ms';
  const bad = (): never => {
    throw new LakebenchError('CORRUPT', `field "${String(field.name)}" has unsupported type ${physical}${logical ? `/${logical}` : ''}`, { object });
  };
  if (logical === 'DECIMAL') {
    const spec = typeof logicalSpec === 'object' ? logicalSpec : undefined;
    const precision = Number(field.precision ?? spec?.precision);
    const scale = Number(field.scale ?? spec?.scale ?? 0);
    return Number.isInteger(precision) && precision > 0 && precision <= 38 && Number.isInteger(scale) && scale >= 0 && scale <= precision
      ? { type: `decimal(${precision},${scale})` }
      : bad();
  }
  switch (physical) {
    case 'BOOLEAN':
      return { type: 'boolean' };
    case 'INT32':
      if (logical === 'DATE') return { type: 'date', epochUnit: 'days' };
      return { type: ({ INT_8: 'byte', INT_16: 'short', UINT_8: 'short', UINT_16: 'integer', UINT_32: 'long' } as Record<string, string>)[logical] ?? 'integer' };
    case 'INT64':
      if (logical.startsWith('TIMESTAMP')) return { type: 'timestamp', epochUnit: unit };
      return { type: logical === 'UINT_64' ? 'decimal(20,0)' : 'long' };
    case 'INT96':
      return { type: 'timestamp' };
    case 'FLOAT':
      return { type: 'float' };
    case 'DOUBLE':
      return { type: 'double' };
    // Lakeside often writes strings as BYTE_ARRAY without a UTF8 annotation: JSON can only carry text anyway.
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      return { type: 'string' };
  }
  return bad();
}

const INTEGER_RANGE: Record<string, [number, number]> = {
  byte: [-(2 ** 7), 2 ** 7 - 1],
  short: [-(2 ** 15), 2 ** 15 - 1],
  integer: [-(2 ** 31), 2 ** 31 - 1],
  long: [-(2 ** 63), 2 ** 63 - 1],
};
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
/** ISO 8601 as DuckDB casts it to a timestamp: date, optional time (`T` or space), optional zone. */
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DECIMAL_TYPE = /^decimal\((\d+),(\d+)\)$/;
const DECIMAL_TEXT = /^[+-]?(\d*)(?:\.(\d*))?$/;

/** Why `record` does not fit `fields`, or undefined when it does. Fields the schema does not list are ignored. */
export function recordProblem(record: unknown, fields: StagingField[]): string | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  const values = record as Record<string, unknown>;
  for (const field of fields) {
    const value = values[field.name];
    if (value === undefined || value === null) {
      if (field.required) return `missing required field "${field.name}"`;
      continue;
    }
    if (field.anyValue) continue;
    const problem = valueProblem(value, field.type, field.epochUnit);
    if (problem) return `field "${field.name}": ${problem}`;
  }
  return undefined;
}

function valueProblem(value: unknown, type: DeltaType, epochUnit: EpochUnit | undefined): string | undefined {
  const expected = (what: string) => `expected ${what}, got ${JSON.stringify(value)?.slice(0, 60)}`;
  if (typeof type !== 'string') {
    if (type.type !== 'array') return typeof value === 'object' && !Array.isArray(value) ? undefined : expected('an object');
    if (!Array.isArray(value)) return expected('an array');
    for (const element of value) {
      const problem = element === null ? undefined : valueProblem(element, type.elementType, undefined);
      if (problem) return problem;
    }
    return undefined;
  }
  const range = INTEGER_RANGE[type];
  if (range) {
    return typeof value === 'number' && Number.isInteger(value) && value >= range[0] && value <= range[1] ? undefined : expected(`a ${type} integer`);
  }
  switch (type) {
    case 'string':
    case 'binary':
      return typeof value === 'string' ? undefined : expected('a string');
    case 'float':
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : expected('a number');
    case 'boolean':
      return typeof value === 'boolean' ? undefined : expected('true or false');
    case 'date':
      if (epochUnit && typeof value === 'number' && Number.isInteger(value)) return undefined;
      return typeof value === 'string' && DATE_TEXT.test(value) && isRealDate(`${value}T00:00:00Z`) ? undefined : expected('a date (YYYY-MM-DD)');
    case 'timestamp':
    case 'timestamp_ntz':
      if (epochUnit && typeof value === 'number' && Number.isInteger(value)) return undefined;
      return typeof value === 'string' && TIMESTAMP_TEXT.test(value) && isRealDate(value.slice(0, 10) + 'T00:00:00Z')
        ? undefined
        : expected('an ISO 8601 timestamp');
  }
  const decimal = DECIMAL_TYPE.exec(type);
  if (decimal) {
    const digits = DECIMAL_TEXT.exec(typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '');
    const integerDigits = digits?.[1]?.replace(/^0+/, '').length ?? Infinity;
    return digits && `${digits[1]}${digits[2] ?? ''}` !== '' && integerDigits <= Number(decimal[1]) - Number(decimal[2])
      ? undefined
      : expected(`a ${type} number`);
  }
  return undefined; // struct and map fields of an existing table: DuckDB converts them, or names what it cannot
}

/** A calendar date that exists (2026-02-30 does not). */
function isRealDate(iso: string): boolean {
  const date = new Date(iso);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === iso.slice(0, 10);
}

/**
 * Collects field types from records when there is no schema: integers → long, other numbers → double,
 * strings → string, booleans → boolean; anything else, or a mix, is kept as JSON text.
 */
export class FieldInference {
  private readonly kinds = new Map<string, Set<string>>();

  observe(record: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(record)) {
      if (value === null || value === undefined) {
        if (!this.kinds.has(name)) this.kinds.set(name, new Set());
        continue;
      }
      const kind = typeof value === 'number' ? (Number.isInteger(value) ? 'long' : 'double') : typeof value;
      const kinds = this.kinds.get(name) ?? new Set<string>();
      kinds.add(Array.isArray(value) ? 'array' : kind);
      this.kinds.set(name, kinds);
    }
  }

  fields(): StagingField[] {
    return [...this.kinds].map(([name, kinds]) => {
      if (kinds.size === 2 && kinds.has('long') && kinds.has('double')) return { name, type: 'double', required: false };
      const [kind] = kinds;
      if (kinds.size <= 1 && (kind === undefined || ['long', 'double', 'string', 'boolean'].includes(kind))) {
        return { name, type: kind ?? 'string', required: false };
      }
      return { name, type: 'string', required: false, anyValue: true };
    });
  }
}
