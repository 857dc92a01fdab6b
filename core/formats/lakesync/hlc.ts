/**
 * LakeSync's hybrid logical clock (formats.md §3): a 64-bit `(wallMillis << 16) | counter`, written in
 * JSON as a decimal string. Kept as bigint here; it fits DuckDB's BIGINT for any wall time before 6429.
 */
import { LakebenchError } from '../../errors';

export const COUNTER_BITS = 16n;
const COUNTER_MASK = (1n << COUNTER_BITS) - 1n;

export function parseHlc(value: unknown, object: string): bigint {
  const text = typeof value === 'bigint' ? String(value) : typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,19}$/.test(text)) {
    throw new LakebenchError('BAD_INPUT', `not an HLC (a decimal 64-bit integer): ${JSON.stringify(value)}`, { object });
  }
  return BigInt(text);
}

/** `2026-11-23T10:00:00.000Z+3`: the wall time, plus the counter when it is not 0. */
export function formatHlc(hlc: bigint): string {
  const wall = new Date(Number(hlc >> COUNTER_BITS)).toISOString();
  const counter = hlc & COUNTER_MASK;
  return counter === 0n ? wall : `${wall}+${counter}`;
}

/** The last HLC of a wall time: "as of 10:00" includes every event stamped at 10:00.000. */
export function hlcAtTime(iso: string): bigint {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new LakebenchError('USAGE', `not an ISO-8601 time: "${iso}"`, { object: iso });
  return (BigInt(ms) << COUNTER_BITS) | COUNTER_MASK;
}
