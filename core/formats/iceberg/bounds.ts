/**
 * The spec's binary single-value serialization (Appendix D), the inverse of values.ts `fromBound`: what
 * manifest-list partition summaries and file bounds hold.
 */
import { LakebenchError } from '../../errors';
import { decimalOf, type IcebergType } from './schema';
import type { IcebergValue } from './values';

/** Two's-complement big-endian in the fewest bytes (decimals). */
function minimalTwosComplement(value: bigint): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(Number(BigInt.asUintN(8, rest)));
    rest >>= 8n;
  } while (!((rest === 0n && (bytes[0]! & 0x80) === 0) || (rest === -1n && (bytes[0]! & 0x80) !== 0)));
  return Buffer.from(bytes);
}

export function boundBytes(value: IcebergValue, type: IcebergType): Buffer {
  if (typeof type !== 'string') throw new LakebenchError('UNSUPPORTED_FEATURE', 'bounds of nested types are not written');
  if (decimalOf(type)) return minimalTwosComplement(value as bigint);
  switch (type) {
    case 'int':
    case 'date': {
      const buf = Buffer.alloc(4);
      buf.writeInt32LE(Number(value));
      return buf;
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const buf = Buffer.alloc(8);
      buf.writeBigInt64LE(BigInt(value as bigint));
      return buf;
    }
    case 'float': {
      const buf = Buffer.alloc(4);
      buf.writeFloatLE(Number(value));
      return buf;
    }
    case 'double': {
      const buf = Buffer.alloc(8);
      buf.writeDoubleLE(Number(value));
      return buf;
    }
    case 'boolean':
      return Buffer.from([value ? 1 : 0]);
    case 'string':
      return Buffer.from(String(value), 'utf8');
    default:
      return Buffer.from(value as Uint8Array);
  }
}
