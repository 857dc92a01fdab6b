/**
 * Partition transforms (table spec, "Partition Transforms"): identity, bucket[N], truncate[W],
 * year/month/day/hour and void, applied to values in internal form (values.ts), plus the type each
 * produces. bucket hashes with 32-bit Murmur3 (x86, seed 0) over the spec's byte forms (Appendix B).
 */
import murmurhash from 'murmurhash';
import { LakebenchError } from '../../errors';
import { decimalOf, type IcebergType } from './schema';
import type { IcebergValue } from './values';

export type Transform =
  | { kind: 'identity' | 'year' | 'month' | 'day' | 'hour' | 'void' }
  | { kind: 'bucket'; n: number }
  | { kind: 'truncate'; width: number }
  /** A transform this reader does not know: partition values are shown but never used to prune. */
  | { kind: 'unknown'; name: string };

export function parseTransform(text: string): Transform {
  const lower = text.trim().toLowerCase();
  if (['identity', 'year', 'month', 'day', 'hour', 'void'].includes(lower)) return { kind: lower as 'identity' };
  const bucket = /^bucket\[(\d+)\]$/.exec(lower);
  if (bucket) return { kind: 'bucket', n: Number(bucket[1]) };
  const truncate = /^truncate\[(\d+)\]$/.exec(lower);
  if (truncate) return { kind: 'truncate', width: Number(truncate[1]) };
  return { kind: 'unknown', name: text };
}

/** The type of the partition values a transform makes from a source type. */
export function resultType(transform: Transform, source: IcebergType): IcebergType {
  switch (transform.kind) {
    case 'bucket':
    case 'year':
    case 'month':
    case 'hour':
      return 'int';
    case 'day':
      return 'date';
    default:
      return source;
  }
}

const MICROS_PER_HOUR = 3_600_000_000n;
const MICROS_PER_DAY = 24n * MICROS_PER_HOUR;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** Microseconds (or days, for dates) of a temporal value; nanosecond timestamps floor to micros. */
function micros(value: bigint, type: IcebergType): bigint {
  if (type === 'date') return value * MICROS_PER_DAY;
  if (type === 'timestamp_ns' || type === 'timestamptz_ns') return floorDiv(value, 1000n);
  return value;
}

/** Days since 1970-01-01 → (year, month) in the proleptic Gregorian calendar. */
function yearMonth(days: bigint): { year: number; month: number } {
  const date = new Date(Number(days) * 86_400_000);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() };
}

/** The 32-bit Murmur3 hash of a value in the spec's byte form (Appendix B), as a signed int. */
export function icebergHash(value: IcebergValue, type: IcebergType): number {
  return murmurhash.v3(hashBytes(value, type), 0) | 0;
}

function hashBytes(value: IcebergValue, type: IcebergType): Uint8Array {
  if (decimalOf(type)) return minimalTwosComplement(value as bigint);
  if (typeof value === 'bigint') {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64LE(type === 'timestamp_ns' || type === 'timestamptz_ns' ? floorDiv(value, 1000n) : value);
    return bytes;
  }
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  throw new LakebenchError('UNSUPPORTED_FEATURE', `bucket of a ${String(type)} value is not defined by the spec`);
}

/** The fewest big-endian two's-complement bytes that hold the value (Java's BigInteger.toByteArray). */
function minimalTwosComplement(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0xffn);
    bytes.unshift(byte);
    v >>= 8n;
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(bytes);
}

/** The transform of one value (null stays null); undefined when the transform is unknown. */
export function applyTransform(transform: Transform, value: IcebergValue | null, type: IcebergType): IcebergValue | null | undefined {
  if (value === null) return null;
  switch (transform.kind) {
    case 'identity':
      return value;
    case 'void':
      return null;
    case 'bucket':
      return BigInt((icebergHash(value, type) & 0x7fffffff) % transform.n);
    case 'truncate':
      return truncate(value, transform.width);
    case 'year':
    case 'month':
    case 'day':
    case 'hour': {
      const us = micros(value as bigint, type);
      if (transform.kind === 'hour') return floorDiv(us, MICROS_PER_HOUR);
      const days = floorDiv(us, MICROS_PER_DAY);
      if (transform.kind === 'day') return days;
      const { year, month } = yearMonth(days);
      return transform.kind === 'year' ? BigInt(year - 1970) : BigInt((year - 1970) * 12 + month);
    }
    case 'unknown':
      return undefined;
  }
}

function truncate(value: IcebergValue, width: number): IcebergValue {
  if (typeof value === 'bigint') {
    const w = BigInt(width);
    return value - (((value % w) + w) % w);
  }
  // Strings truncate to code points, not UTF-16 units.
  if (typeof value === 'string') return [...value].slice(0, width).join('');
  if (value instanceof Uint8Array) return value.subarray(0, width);
  throw new LakebenchError('UNSUPPORTED_FEATURE', `truncate of a ${typeof value} value is not defined by the spec`);
}

/** True for transforms that keep order (a ≤ b ⇒ t(a) ≤ t(b)), so ranges project onto them. */
export function preservesOrder(transform: Transform): boolean {
  return ['identity', 'truncate', 'year', 'month', 'day', 'hour'].includes(transform.kind);
}
