import { describe, expect, it } from 'vitest';
import { formatTableBinding, parseTableBinding, versionSpec } from '../../core/api/table-binding';
import { isLakebenchError } from '../../core/errors';

const usageError = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isLakebenchError(e, 'USAGE');
  }
  return false;
};

describe('table bindings', () => {
  it('parses name=location with optional @version, @timestamp, @tag:x or @branch:x, keeping versions as text', () => {
    expect(parseTableBinding('t=/lake/orders')).toEqual({ name: 't', location: '/lake/orders' });
    expect(parseTableBinding('t=s3://b/orders@12')).toEqual({ name: 't', location: 's3://b/orders', version: '12' });
    // A 19-digit id keeps every digit: what it means (HLC, snapshot id) is the table's format's to say.
    expect(parseTableBinding('t=/o@9223372036854775807')).toEqual({ name: 't', location: '/o', version: '9223372036854775807' });
    expect(parseTableBinding('t=/o@tag:nightly')).toEqual({ name: 't', location: '/o', version: 'tag:nightly' });
    expect(parseTableBinding('t=/o@branch:audit-2')).toEqual({ name: 't', location: '/o', version: 'branch:audit-2' });
    expect(parseTableBinding('t=./o@2026-11-20T10:00:00Z')).toEqual({ name: 't', location: './o', asOf: '2026-11-20T10:00:00.000Z' });
    expect(parseTableBinding('t=./o@2026-11-20')).toEqual({ name: 't', location: './o', asOf: '2026-11-20T00:00:00.000Z' });
    // an @ that is not a version stays part of the location
    expect(parseTableBinding('t=/data/me@host/x')).toEqual({ name: 't', location: '/data/me@host/x' });
  });

  it('refuses malformed bindings as usage errors', () => {
    for (const bad of ['orders', '=/lake', 't=', '1t=/lake', 'my-table=/lake', 't=/x@2026-13-45']) {
      expect(usageError(() => parseTableBinding(bad)), bad).toBe(true);
    }
  });

  it('formats back to the same text', () => {
    for (const spec of ['t=/lake/orders', 't=s3://b/o@3', 't=/o@2026-11-20T10:00:00.000Z', 't=/o@tag:x', 't=/o@1234567890123456789']) {
      expect(formatTableBinding(parseTableBinding(spec))).toBe(spec);
    }
  });
});

describe('--version / --as-of', () => {
  it('validates and normalises', () => {
    expect(versionSpec({})).toEqual({});
    expect(versionSpec({ version: '3' })).toEqual({ version: '3' });
    expect(versionSpec({ version: 'tag:nightly' })).toEqual({ version: 'tag:nightly' });
    expect(versionSpec({ asOf: '2026-11-20T10:00:00+02:00' })).toEqual({ asOf: '2026-11-20T08:00:00.000Z' });
    // Whether `-1` or `1.5` names a version is the table's format's to say (version-refs.test.ts).
    expect(usageError(() => versionSpec({ version: ' ' }))).toBe(true);
    expect(usageError(() => versionSpec({ asOf: 'yesterday' }))).toBe(true);
    expect(usageError(() => versionSpec({ version: '1', asOf: '2026-01-01' }))).toBe(true);
  });
});
