/**
 * Durations (`7d`, `168h`, `30m`) and sizes (`128MB`, `1GiB`) as users type them on the command line,
 * parsed by the `ms` and `bytes` packages and refused with a message naming the value.
 */
import ms from 'ms';
import bytes from 'bytes';
import { LakebenchError } from './errors';

/** Milliseconds of a duration such as `7d`, `168h`, `90m`, `0`. */
export function parseDuration(text: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : ms(text.trim() as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new LakebenchError('USAGE', `not a duration: "${text}" (examples: 7d, 168h, 30m)`, { object: text });
  }
  return value;
}

/** Bytes of a size such as `128MB`, `1GB`, `512kb` (binary multiples, as `bytes` reads them). */
export function parseSize(text: string): number {
  const value = bytes.parse(text.trim());
  if (value === null || !Number.isFinite(value) || value <= 0) {
    throw new LakebenchError('USAGE', `not a size: "${text}" (examples: 128MB, 1GB)`, { object: text });
  }
  return value;
}

/** Byte counts as messages and reports print them: `1.5 MB`. */
export const formatSize = (n: number): string => bytes.format(n, { unitSeparator: ' ' }) ?? `${n} B`;

/** `168h` style text of a duration, for reports; zero is `0h` (retentions are told in hours, and `ms` says `0ms`). */
export const formatDuration = (millis: number): string => (millis === 0 ? '0h' : ms(millis, { long: false }));
