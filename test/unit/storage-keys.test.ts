import { describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { dirOfKey, joinKey, normalizeKey, normalizePrefix } from '../../core/storage/keys';

const ROOT = 's3://bucket/lake';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('normalizeKey', () => {
  it.each(['part-0.parquet', '_delta_log/00000000000000000000.json', 'year=2024/month=01/x.parquet', 'a..b/c.d'])(
    'accepts %s unchanged',
    (key) => expect(normalizeKey(key, ROOT)).toBe(key),
  );

  it.each([
    ['', 'is empty'],
    ['../x', '..'],
    ['a/../../b', '..'],
    ['a/..', '..'],
    ['./a', '"."'],
    ['/etc/passwd', 'absolute'],
    ['C:/Windows', 'absolute'],
    ['a\\..\\..\\b', 'backslash'],
    ['a//b', 'empty path segment'],
    ['a/', 'empty path segment'],
    ['a\0b', 'NUL'],
  ])('refuses %j with OUTSIDE_LOCATION naming the root', (key, why) => {
    const error = refusal(() => normalizeKey(key, ROOT));
    expect(isLakebenchError(error, 'OUTSIDE_LOCATION')).toBe(true);
    expect((error as Error).message).toContain(why);
    expect((error as { object?: string }).object).toBe(ROOT);
  });
});

describe('normalizePrefix', () => {
  it.each(['', 'a/', 'a/b', '_delta_log/0000'])('accepts %j', (prefix) => expect(normalizePrefix(prefix, ROOT)).toBe(prefix));

  it.each(['../', 'a/../', '/a/', 'a//', '\\a'])('refuses %j', (prefix) => {
    expect(isLakebenchError(refusal(() => normalizePrefix(prefix, ROOT)), 'OUTSIDE_LOCATION')).toBe(true);
  });
});

describe('joinKey and dirOfKey', () => {
  it('joins parts with single slashes and skips empty parts', () => {
    expect(joinKey('a/', '/b', '', 'c.parquet')).toBe('a/b/c.parquet');
    expect(joinKey('', '')).toBe('');
  });

  it('takes the folder part of a key', () => {
    expect(dirOfKey('a/b/c')).toBe('a/b/');
    expect(dirOfKey('c')).toBe('');
    expect(dirOfKey('a/b/')).toBe('a/b/');
  });
});
