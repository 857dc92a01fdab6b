/**
 * Iceberg values in one internal form, whatever they were read from: partition tuples (Avro), lower
 * and upper bounds (the spec's "Binary single-value serialization"), JSON defaults (the spec's "JSON
 * single-value serialization"). Internal form: every integral type (int, long, date, time, timestamps,
 * decimal's unscaled value) a bigint; float and double a number; string a string; boolean a boolean;
 * uuid, fixed and binary bytes. One form makes comparisons, transforms and SQL literals one code path.
 */
import { LakebenchError } from '../../errors';
import { quoteLiteral } from '../../sql-text';
import { decimalOf, duckdbType, fixedLengthOf, type IcebergType } from './schema';

export type IcebergValue = bigint | number | string | boolean | Uint8Array;

const INTEGRAL = new Set(['int', 'long', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns']);
const FLOATING = new Set(['float', 'double']);

export function isIntegral(type: IcebergType): boolean {
  return typeof type === 'string' && (INTEGRAL.has(type) || decimalOf(type) !== undefined);
}

/** A value decoded by Avro (partition tuples) in internal form; null stays null. */
export function fromAvro(value: unknown, type: IcebergType): IcebergValue | null {
  if (value === null || value === undefined) return null;
  if (typeof type !== 'string') throw new LakebenchError('UNSUPPORTED_FEATURE', `nested partition value of type ${JSON.stringify(type)}`);
  if (decimalOf(type)) return unscaledOf(value as Uint8Array);
  if (isIntegral(type)) return BigInt(value as number | bigint);
  if (FLOATING.has(type)) return Number(value);
  if (type === 'boolean' || type === 'string') return value as boolean | string;
  if (value instanceof Uint8Array) return value;
  return value as IcebergValue;
}

/** A value in internal form as Avro writes it in a partition tuple (fromAvro's inverse): int and date as numbers, other integral types as bigints. */
export function toAvro(value: IcebergValue | null, type: IcebergType): unknown {
  if (value === null) return null;
  if (type === 'int' || type === 'date') return Number(value);
  if (decimalOf(type)) throw new LakebenchError('UNSUPPORTED_FEATURE', `writing a decimal partition value (${type})`);
  return value;
}

/** Decimal bytes: the unscaled value, two's-complement big-endian. */
function unscaledOf(data: Uint8Array): bigint {
  if (data.length === 0) return 0n;
  let value = 0n;
  for (const byte of data) value = (value << 8n) | BigInt(byte);
  return data[0]! & 0x80 ? value - (1n << BigInt(8 * data.length)) : value;
}

/** Binary single-value serialization (bounds) to internal form. */
export function fromBound(data: Uint8Array, type: IcebergType): IcebergValue {
  if (typeof type !== 'string') throw new LakebenchError('UNSUPPORTED_FEATURE', 'bounds of nested types are not used');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (decimalOf(type)) return unscaledOf(data);
  if (isIntegral(type)) {
    // A long column promoted from int keeps the 4-byte bounds its old files were written with.
    return data.length === 4 ? BigInt(view.getInt32(0, true)) : view.getBigInt64(0, true);
  }
  if (type === 'float') return data.length === 8 ? view.getFloat64(0, true) : view.getFloat32(0, true);
  if (type === 'double') return data.length === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
  if (type === 'boolean') return data[0] !== 0;
  if (type === 'string') return new TextDecoder().decode(data);
  return data;
}

/** A value in internal form as the bytes the spec's hash and the bound comparisons use. */
export function compareValues(a: IcebergValue, b: IcebergValue): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return a < b ? -1 : a > b ? 1 : 0;
  throw new LakebenchError('CORRUPT', `cannot compare values of different kinds (${typeof a} and ${typeof b})`);
}

/** A value from the JSON single-value form (`initial-default`) in internal form. */
export function fromJsonDefault(value: unknown, type: IcebergType, column: string): IcebergValue | null {
  if (value === null || value === undefined) return null;
  if (typeof type !== 'string') {
    throw new LakebenchError('UNSUPPORTED_FEATURE', `column ${column}: defaults of nested types are not supported`);
  }
  const decimal = decimalOf(type);
  if (decimal) {
    const [whole, fraction = ''] = String(value).split('.');
    return BigInt(`${whole}${fraction.padEnd(decimal.scale, '0')}`);
  }
  switch (type) {
    case 'int':
    case 'long':
      return BigInt(value as number | bigint);
    case 'date':
      return BigInt(Date.parse(`${String(value)}T00:00:00Z`) / 86_400_000);
    case 'time': {
      const [h, m, s = '0'] = String(value).split(':');
      return BigInt(Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1e6));
    }
    case 'timestamp':
    case 'timestamptz':
      return BigInt(Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(String(value)) ? String(value) : `${String(value)}Z`)) * 1000n;
    case 'string':
    case 'boolean':
      return value as string | boolean;
    case 'float':
    case 'double':
      return Number(value);
    default:
      if (type === 'binary' || fixedLengthOf(type) !== undefined) return Buffer.from(String(value), 'hex');
      if (type === 'uuid') return Buffer.from(String(value).replaceAll('-', ''), 'hex');
      throw new LakebenchError('UNSUPPORTED_FEATURE', `column ${column}: defaults of type ${type} are not supported`);
  }
}

/** A DuckDB literal of the column's type for an internal value (or NULL). */
export function sqlLiteral(value: IcebergValue | null, type: IcebergType, column: string): string {
  const target = duckdbType(type, column);
  if (value === null) return `CAST(NULL AS ${target})`;
  if (typeof type !== 'string') throw new LakebenchError('UNSUPPORTED_FEATURE', `column ${column}: nested literal`);
  const decimal = decimalOf(type);
  if (decimal) return `CAST(${quoteLiteral(decimalText(value as bigint, decimal.scale))} AS ${target})`;
  switch (type) {
    case 'date':
      return `CAST(DATE '1970-01-01' + INTERVAL (${value}) DAY AS DATE)`;
    case 'time':
      return `CAST(TIME '00:00:00' + INTERVAL (${value}) MICROSECOND AS TIME)`;
    case 'timestamp':
      return `make_timestamp(${value}::BIGINT)`;
    case 'timestamptz':
      return `CAST(make_timestamp(${value}::BIGINT) AS TIMESTAMP) AT TIME ZONE 'UTC'`;
    case 'timestamp_ns':
      return `make_timestamp_ns(${value}::BIGINT)`;
    case 'string':
      return `CAST(${quoteLiteral(value as string)} AS VARCHAR)`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'uuid':
      return `CAST(${quoteLiteral(uuidText(value as Uint8Array))} AS UUID)`;
    default:
      if (value instanceof Uint8Array) return `from_hex(${quoteLiteral(Buffer.from(value).toString('hex'))})`;
      return `CAST(${String(value)} AS ${target})`;
  }
}

export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A stable text key of a partition tuple, for grouping files of the same partition. */
export function partitionKey(specId: number, values: readonly (IcebergValue | null)[]): string {
  const parts = values.map((v) =>
    v === null ? 'null' : v instanceof Uint8Array ? `x${Buffer.from(v).toString('hex')}` : `${typeof v}:${String(v)}`,
  );
  return `${specId}|${parts.join('|')}`;
}
