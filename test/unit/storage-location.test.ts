import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { LocalStore } from '../../core/storage/local';
import { openLocation, parseLocation } from '../../core/storage/location';
import { S3Store } from '../../core/storage/s3';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isLakebenchError(e) ? e.code : `not a LakebenchError: ${String(e)}`;
  }
  return undefined;
}

describe('parseLocation', () => {
  it('splits s3:// URLs into bucket and prefix', () => {
    expect(parseLocation('s3://lake/tables/orders')).toEqual({ scheme: 's3', bucket: 'lake', prefix: 'tables/orders' });
    expect(parseLocation('s3://lake/tables/orders/')).toEqual({ scheme: 's3', bucket: 'lake', prefix: 'tables/orders' });
    expect(parseLocation('s3://lake')).toEqual({ scheme: 's3', bucket: 'lake', prefix: '' });
    expect(parseLocation('S3://lake/')).toEqual({ scheme: 's3', bucket: 'lake', prefix: '' });
  });

  it('splits r2:// URLs into account, bucket and prefix', () => {
    expect(parseLocation('r2://0123abcd/lake/events')).toEqual({ scheme: 'r2', account: '0123abcd', bucket: 'lake', prefix: 'events' });
    expect(parseLocation('r2://0123abcd/lake')).toEqual({ scheme: 'r2', account: '0123abcd', bucket: 'lake', prefix: '' });
  });

  it('resolves local paths and file:// URLs to absolute paths', () => {
    expect(parseLocation('/data/lake')).toEqual({ scheme: 'file', prefix: '', path: '/data/lake' });
    expect(parseLocation('lake/orders')).toEqual({ scheme: 'file', prefix: '', path: path.resolve('lake/orders') });
    const dir = path.join(os.tmpdir(), 'a lake');
    expect(parseLocation(pathToFileURL(dir).href)).toEqual({ scheme: 'file', prefix: '', path: dir });
  });

  it('refuses malformed and unsupported locations', () => {
    expect(codeOf(() => parseLocation('s3://'))).toBe('USAGE');
    expect(codeOf(() => parseLocation('r2://account-only'))).toBe('USAGE');
    expect(codeOf(() => parseLocation('gs://bucket/x'))).toBe('USAGE');
    expect(codeOf(() => parseLocation(''))).toBe('USAGE');
    expect(codeOf(() => parseLocation('s3://bucket/a/../../b'))).toBe('OUTSIDE_LOCATION');
  });
});

describe('openLocation', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('opens local paths as LocalStore', () => {
    const store = openLocation('/data/lake');
    expect(store).toBeInstanceOf(LocalStore);
    expect(store.url).toBe('/data/lake');
    expect(store.localPath('a/b.parquet')).toBe('/data/lake/a/b.parquet');
  });

  it('opens s3:// and r2:// as S3Store with matching URLs', () => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', '');
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    const s3 = openLocation('s3://lake/tables/orders', { region: 'eu-west-1' });
    expect(s3).toBeInstanceOf(S3Store);
    expect(s3.urlOf('_delta_log/00000000000000000000.json')).toBe('s3://lake/tables/orders/_delta_log/00000000000000000000.json');
    const r2 = openLocation('r2://acct/lake/events');
    expect(r2.url).toBe('r2://acct/lake/events');
    expect(r2.localPath('x')).toBeUndefined();
    // Same bucket on different services must not share cache entries.
    expect(openLocation('s3://lake/x', { endpoint: 'http://127.0.0.1:9000' }).id).not.toBe(openLocation('s3://lake/x').id);
  });
});
