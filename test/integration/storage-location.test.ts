/**
 * openLocation end to end: credentials, region and endpoint come from the standard AWS variables
 * and profiles, as for the aws CLI, and reach a real S3 server.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { openLocation } from '../../core/storage/location';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;
let configDir: string;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('located');
  configDir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-aws-config-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(configDir, { recursive: true, force: true });
});
afterEach(() => vi.unstubAllEnvs());

/** Only the given AWS variables are set (plus a harmless config dir), as in a clean shell. */
function useAwsEnv(vars: Record<string, string>): void {
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_CONFIG_FILE', path.join(configDir, 'none'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(configDir, 'none'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
}

describe('openLocation against S3', () => {
  it('uses AWS_* variables for credentials, region and endpoint', async () => {
    useAwsEnv(server.env);
    const store = openLocation('s3://located/env/table');
    expect(await store.putIfAbsent('_delta_log/00000000000000000000.json', '{}')).toBe(true);
    expect(await store.putIfAbsent('_delta_log/00000000000000000000.json', '{}')).toBe(false);
    const listed = await server.client.send(new ListObjectsV2Command({ Bucket: 'located', Prefix: 'env/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['env/table/_delta_log/00000000000000000000.json']);
  });

  it('uses a named profile from the shared credentials file', async () => {
    const credentialsFile = path.join(configDir, 'credentials');
    await writeFile(
      credentialsFile,
      `[lakebench-good]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n\n` +
        `[lakebench-bad]\naws_access_key_id = S3RVER\naws_secret_access_key = wrong\n`,
    );
    useAwsEnv({ AWS_SHARED_CREDENTIALS_FILE: credentialsFile });
    const good = openLocation('s3://located/profile', { endpoint: server.endpoint, profile: 'lakebench-good' });
    await good.put('ok.txt', 'fine');
    expect((await good.head('ok.txt'))?.size).toBe(4);

    const bad = openLocation('s3://located/profile', { endpoint: server.endpoint, profile: 'lakebench-bad' });
    const error = await bad.get('ok.txt').then(() => undefined, (e: unknown) => e);
    expect(isLakebenchError(error, 'ACCESS_DENIED')).toBe(true);
  });

  it('prefers AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL', async () => {
    useAwsEnv({ ...server.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_S3: server.endpoint });
    expect((await openLocation('s3://located/').list('', { maxKeys: 1 })).objects).toHaveLength(1);
    useAwsEnv({ ...server.env, AWS_ENDPOINT_URL_S3: '', AWS_ENDPOINT_URL: server.endpoint });
    expect((await openLocation('s3://located/').list('', { maxKeys: 1 })).objects).toHaveLength(1);
  });
});
