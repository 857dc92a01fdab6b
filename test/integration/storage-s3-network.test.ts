/**
 * The S3 store's network behaviour against the faulty test proxy (s3server.ts): multipart uploads with
 * per-part retries that abort when they fail, incomplete uploads listed by `orphans` and aborted by
 * `vacuum`, R2's 409 on a racing conditional write, Retry-After honoured, clock skew named.
 */
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { importFiles } from '../../core/ops/import';
import { findOrphans } from '../../core/ops/orphans';
import { vacuumTable } from '../../core/ops/vacuum';
import { conditionalPut } from '../../core/storage/conditional-write';
import { S3Store } from '../../core/storage/s3';
import { createS3Client } from '../../core/storage/s3-client';
import type { NetworkSettings } from '../../core/storage/network-settings';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;
let dir: string;
let prefixes = 0;

const MiB = 1024 * 1024;
/** Multipart from 6 MiB in 5 MiB parts (S3's smallest), so a 12 MiB file goes in three parts. */
const SMALL_PARTS: Partial<NetworkSettings> = { multipartThresholdBytes: 6 * MiB, partSizeBytes: 5 * MiB, baseDelayMs: 10, firstByteTimeoutMs: 2000, idleTimeoutMs: 2000 };

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('net');
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-s3-network-'));
});
afterEach(() => server.clearFaultRules());
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function stores(network: Partial<NetworkSettings> = SMALL_PARTS): { faulty: S3Store; clean: S3Store; prefix: string } {
  const prefix = `p${++prefixes}`;
  return {
    faulty: new S3Store({ client: server.client, bucket: 'net', prefix, urlScheme: 's3', endpoint: server.endpoint, network }),
    clean: new S3Store({ client: server.cleanClient, bucket: 'net', prefix, urlScheme: 's3', endpoint: server.cleanEndpoint, network }),
    prefix,
  };
}

async function bigFile(name: string, bytes: number): Promise<{ file: string; body: Buffer }> {
  const body = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) body[i] = (i * 7) % 251;
  const file = path.join(dir, name);
  await writeFile(file, body);
  return { file, body };
}

const partPuts = (prefix: string) => server.requests.filter((r) => r.method === 'PUT' && r.url.startsWith(`/net/${prefix}/`) && r.url.includes('partNumber='));

describe('multipart uploads', () => {
  it('uploads a big file in parts, retrying the parts that meet a fault, and reads it back whole', async () => {
    const { faulty, clean, prefix } = stores();
    const { file, body } = await bigFile('big.bin', 12 * MiB + 123);
    server.addFaultRule({ method: 'PUT', url: /partNumber=2/, kind: 'reset' });
    server.addFaultRule({ method: 'PUT', url: /partNumber=3/, kind: '503' });
    await faulty.putFile('big.bin', file);
    expect(partPuts(prefix).length).toBe(5); // three parts, two of them twice
    expect((await clean.head('big.bin'))?.size).toBe(body.length);
    expect(Buffer.from(await clean.get('big.bin')).equals(body)).toBe(true);
    expect(await clean.listIncompleteUploads('')).toEqual([]);
  });

  it('settles a completion whose answer was lost by looking at the object', async () => {
    const { faulty, clean } = stores();
    const { file, body } = await bigFile('lost-complete.bin', 7 * MiB);
    server.addFaultRule({ method: 'POST', url: /uploadId=/, kind: 'lost' });
    await faulty.putFile('lost-complete.bin', file);
    expect((await clean.head('lost-complete.bin'))?.size).toBe(body.length);
  });

  it('aborts the upload when a part fails for good, leaving no incomplete upload', async () => {
    const { faulty, clean } = stores({ ...SMALL_PARTS, maxAttempts: 2 });
    const { file } = await bigFile('doomed.bin', 12 * MiB);
    server.addFaultRule({ method: 'PUT', url: /partNumber=2/, kind: '500', times: 10 });
    const error = await faulty.putFile('doomed.bin', file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLakebenchError(error)).toBe(true);
    expect((error as Error).message).toMatch(/doomed\.bin: cannot upload: .*after 2 attempts/);
    expect(await clean.head('doomed.bin')).toBeUndefined();
    expect(await clean.listIncompleteUploads('')).toEqual([]);
  });
});

describe('incomplete uploads left behind', () => {
  it('are listed by orphans and aborted by vacuum once older than the retention', async () => {
    const { clean, prefix } = stores();
    const csv = path.join(dir, 'rows.csv');
    await writeFile(csv, 'id\n1\n2\n');
    await importFiles(clean, { inputs: [csv] });
    // What a process killed mid-upload leaves: an upload started, a part sent, never completed.
    const started = await server.cleanClient.send(new CreateMultipartUploadCommand({ Bucket: 'net', Key: `${prefix}/part-killed.parquet` }));
    await server.cleanClient.send(new UploadPartCommand({ Bucket: 'net', Key: `${prefix}/part-killed.parquet`, UploadId: started.UploadId, PartNumber: 1, Body: Buffer.alloc(1024) }));

    const { orphans } = await findOrphans(clean, { olderThanMs: 0 });
    expect(orphans).toEqual([expect.objectContaining({ key: 'part-killed.parquet', reason: 'incomplete-upload', uploadId: started.UploadId })]);

    // Within the retention it is someone's upload in progress: left alone.
    expect((await vacuumTable(clean, {})).deleted).toEqual([]);
    const later = Date.now() + 8 * 24 * 3600_000;
    const vacuumed = await vacuumTable(clean, { now: later });
    expect(vacuumed.deleted).toEqual([expect.objectContaining({ reason: 'incomplete-upload' })]);
    expect(await clean.listIncompleteUploads('')).toEqual([]);
    expect((await findOrphans(clean, { olderThanMs: 0 })).orphans).toEqual([]);
  });
});

describe('answers of the service', () => {
  it("re-sends a conditional write R2 answered 409 (another write racing on the key), once it sees it did not land", async () => {
    const { faulty, clean, prefix } = stores();
    server.addFaultRule({ method: 'PUT', url: new RegExp(`^/net/${prefix}/entry\\.json`), kind: '409', times: 2 });
    const written = await conditionalPut(faulty, { key: 'entry.json', body: '{"writer":"a"}', isOurs: (b) => new TextDecoder().decode(b).includes('"a"') });
    expect(written).toBe(true);
    expect(new TextDecoder().decode(await clean.get('entry.json'))).toBe('{"writer":"a"}');
    // Another writer's entry there is a real conflict, not ours.
    expect(await conditionalPut(faulty, { key: 'entry.json', body: '{"writer":"b"}', isOurs: (b) => new TextDecoder().decode(b).includes('"b"') })).toBe(false);
  });

  it('waits at least what a 503 Retry-After asks before retrying', async () => {
    const { faulty, clean, prefix } = stores();
    await clean.put('slow.txt', 'patience');
    const before = server.requests.length;
    // The proxy's 503 carries Retry-After 1 when its draw is ≥ 0.5.
    server.addFaultRule({ method: 'GET', url: new RegExp(`^/net/${prefix}/slow\\.txt`), kind: '503', at: 0.9 });
    expect(new TextDecoder().decode(await faulty.get('slow.txt'))).toBe('patience');
    const [first, second] = server.requests.slice(before).filter((r) => r.url.includes('slow.txt'));
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  it('names a clock that is off from the server instead of blaming the credentials', async () => {
    const skewed = http.createServer((req, res) => {
      req.resume();
      const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>';
      res.writeHead(403, { 'content-type': 'application/xml', date: new Date(Date.now() - 47 * 60_000).toUTCString(), 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => skewed.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(skewed.address() as AddressInfo).port}`;
      const client = createS3Client({ endpoint, region: 'us-east-1', credentials: server.credentials });
      const store = new S3Store({ client, bucket: 'net', prefix: '', urlScheme: 's3', endpoint, network: { baseDelayMs: 1 } });
      const error = await store.get('x').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as Error).message).toMatch(/clock is 47 minutes ahead of the server's \(RequestTimeTooSkewed\); set the clock right/);
    } finally {
      skewed.closeAllConnections();
      await new Promise<void>((resolve) => skewed.close(() => resolve()));
    }
  });

  it('does not blindly re-send a conditional write whose answer was lost: it reads back first', async () => {
    const { faulty, clean, prefix } = stores();
    server.addFaultRule({ method: 'PUT', url: new RegExp(`^/net/${prefix}/once\\.json`), kind: 'lost' });
    const before = server.requests.length;
    expect(await conditionalPut(faulty, { key: 'once.json', body: '{"id":"me"}', isOurs: (b) => new TextDecoder().decode(b).includes('"me"') })).toBe(true);
    const seen = server.requests.slice(before).filter((r) => r.url.includes('once.json')).map((r) => r.method);
    // One PUT (it landed, its answer was lost), then the read-back: HEAD and GET. No second PUT.
    expect(seen).toEqual(['PUT', 'HEAD', 'GET']);
    expect(new TextDecoder().decode(await clean.get('once.json'))).toBe('{"id":"me"}');
  });
});
