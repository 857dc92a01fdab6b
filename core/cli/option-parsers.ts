/** Parsers of option values shared by the command programs; a bad value is a usage error naming the problem. */
import { InvalidArgumentError } from 'commander';
import { parseDuration, parseSize } from '../units';

const asUsage =
  <T>(parse: (text: string) => T) =>
  (text: string): T => {
    try {
      return parse(text);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
  };
export const list = (value: string): string[] => value.split(',').map((v) => v.trim()).filter(Boolean);
export const duration = asUsage(parseDuration);
export const size = asUsage(parseSize);
export const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
};
export const ratio = (value: string): number => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
};
export const zstdLevel = (value: string): number => {
  const m = /^zstd:(\d{1,2})$/.exec(value);
  const level = m ? Number(m[1]) : NaN;
  if (!(level >= 1 && level <= 22)) throw new InvalidArgumentError('expected zstd:N with N from 1 to 22');
  return level;
};
