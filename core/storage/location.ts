/**
 * Opens a location string as an ObjectStore: a local path, `file://…`, `s3://bucket/prefix` or
 * `r2://<account-id>/bucket/prefix`. Credentials, region and endpoint follow the standard AWS
 * variables and profiles, so whatever works for the aws CLI works here.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LakebenchError } from '../errors';
import { joinKey, normalizePrefix } from './keys';
import { LocalStore } from './local';
import { S3Store } from './s3';
import { createS3Client, DEFAULT_REGION } from './s3-client';
import type { ObjectStore } from './types';

export interface LocationOptions {
  endpoint?: string;
  region?: string;
  profile?: string;
}

export interface ParsedLocation {
  scheme: 'file' | 's3' | 'r2';
  bucket?: string;
  /** Root inside the bucket without leading/trailing `/`; '' for local paths. */
  prefix: string;
  /** R2 account id. */
  account?: string;
  /** Absolute local path for `file`. */
  path?: string;
}

/** Pure: splits a location string; relative local paths resolve against the current directory. */
export function parseLocation(location: string): ParsedLocation {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (location.trim() === '') throw new LakebenchError('USAGE', 'the location is empty');
    return { scheme: 'file', prefix: '', path: path.resolve(location) };
  }
  if (scheme === 'file') return { scheme: 'file', prefix: '', path: fileURLToPath(location) };
  if (scheme !== 's3' && scheme !== 'r2') {
    throw new LakebenchError('USAGE', `unsupported location scheme "${scheme}://" (use a path, file://, s3:// or r2://)`, {
      object: location,
    });
  }
  const parts = location.slice(scheme.length + 3).split('/');
  const account = scheme === 'r2' ? parts.shift() : undefined;
  const bucket = parts.shift();
  if (scheme === 'r2' && !account) {
    throw new LakebenchError('USAGE', 'an R2 location is r2://<account-id>/<bucket>/<prefix>', { object: location });
  }
  if (!bucket) throw new LakebenchError('USAGE', `no bucket in location (expected ${scheme}://<bucket>/<prefix>)`, { object: location });
  const prefix = joinKey(...parts.filter((part) => part !== ''));
  normalizePrefix(prefix, location);
  return { scheme, bucket, prefix, ...(account ? { account } : {}) };
}

/** One client per (endpoint, region, profile): clients hold connection pools and credential caches. */
const clients = new Map<string, S3Client>();

function clientFor(endpoint: string | undefined, region: string, profile: string | undefined): S3Client {
  const cacheKey = JSON.stringify([endpoint, region, profile]);
  let client = clients.get(cacheKey);
  if (!client) {
    client = createS3Client({ endpoint, region, profile });
    clients.set(cacheKey, client);
  }
  return client;
}

export function openLocation(location: string, options: LocationOptions = {}): ObjectStore {
  const parsed = parseLocation(location);
  if (parsed.scheme === 'file') return new LocalStore(parsed.path!);
  const env = process.env;
  const isR2 = parsed.scheme === 'r2';
  const endpoint =
    options.endpoint ??
    (isR2 ? `https://${parsed.account}.r2.cloudflarestorage.com` : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  const region = options.region ?? (isR2 ? 'auto' : env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION);
  const profile = options.profile ?? (env.AWS_PROFILE || undefined);
  return new S3Store({
    client: clientFor(endpoint, region, profile),
    bucket: parsed.bucket!,
    prefix: parsed.prefix,
    urlScheme: parsed.scheme,
    account: parsed.account,
    endpoint,
  });
}
