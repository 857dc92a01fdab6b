/**
 * A real S3 server on loopback for tests: s3rver in a temp dir, behind a small HTTP proxy that
 * records requests, verifies V4 signatures (s3rver does not: see sigv4-check.ts), can fail the
 * next N with 503 SlowDown (to prove retries), and — with `conditionalWrites` — enforces
 * `If-None-Match: *` and `If-Match: <etag>` on PUT.
 *
 * s3rver ignores If-None-Match and If-Match on PUT. Real S3, R2 and MinIO enforce it server-side; the proxy
 * stands in for that: it serialises PUTs per key and answers 412 PreconditionFailed when the key
 * already exists (checked with a HEAD upstream). Every request passes through this one proxy, so
 * check-then-write is atomic, as on the real services.
 */
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import crypto from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { createS3Client } from '../../core/storage/s3-client';
import { hasValidSignature } from './sigv4-check';

export interface S3ServerOptions {
  /** Enforce `If-None-Match: *` and `If-Match` on PUT (default false, like s3rver itself). */
  conditionalWrites?: boolean;
  /** Answer 503 SlowDown to the first N requests. */
  failFirst?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. `/bucket/key?x-id=GetObject`. */
  url: string;
}

export interface S3TestServer {
  /** The proxy's URL: point clients here. */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  createBucket(name: string): Promise<void>;
  /** A client configured like openLocation's, pointed at `endpoint`. */
  client: S3Client;
  /** AWS_* variables that make openLocation / the CLI use this server. */
  env: Record<string, string>;
  /** Every request the proxy received, in order. */
  requests: RecordedRequest[];
  /** Answer 503 SlowDown to the next `count` requests. */
  failNext(count: number): void;
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'us-east-1';

function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>lakebench-test-proxy</RequestId></Error>`;
}

function answer(req: http.IncomingMessage, res: http.ServerResponse, status: number, code: string, message: string): void {
  req.resume(); // drain the body so the client's socket stays usable
  const body = s3ErrorXml(code, message);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** `/bucket/key…?query` → bucket and key (path-style addressing, as our clients use). */
function objectOf(url: string): { bucket: string; key: string } | undefined {
  const pathname = new URL(url, 'http://proxy').pathname;
  const slash = pathname.indexOf('/', 1);
  if (slash < 0 || slash === pathname.length - 1) return undefined;
  return { bucket: decodeURIComponent(pathname.slice(1, slash)), key: decodeURIComponent(pathname.slice(slash + 1)) };
}

/**
 * s3rver 3.7.1 obfuscates ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+)
 * no longer provides, so every truncated listing fails with 500. The token is opaque to clients;
 * for exactly that call we substitute a pass-through "cipher" (the token becomes base64 of
 * iv + `region/bucket/key`). Only this test process is affected; every other cipher is untouched.
 */
function letS3rverPaginate(): void {
  const marker = Symbol.for('lakebench.s3rverDesPatch');
  const patched = crypto as unknown as Record<string | symbol, unknown>;
  if (patched[marker]) return;
  patched[marker] = true;
  const passThrough = {
    update: (data: string | Buffer, encoding?: BufferEncoding) =>
      typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : Buffer.from(data),
    final: () => Buffer.alloc(0),
  };
  const { createCipheriv, createDecipheriv } = crypto;
  patched.createCipheriv = (algorithm: string, ...rest: unknown[]) =>
    algorithm === 'des' ? passThrough : (createCipheriv as (...args: unknown[]) => unknown)(algorithm, ...rest);
  patched.createDecipheriv = (algorithm: string, ...rest: unknown[]) =>
    algorithm === 'des' ? passThrough : (createDecipheriv as (...args: unknown[]) => unknown)(algorithm, ...rest);
}

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3TestServer> {
  letS3rverPaginate();
  const directory = await mkdtemp(path.join(os.tmpdir(), 'lakebench-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port: upstreamPort } = await s3rver.run();
  const upstream = createS3Client({ endpoint: `http://127.0.0.1:${upstreamPort}`, region: REGION, credentials: CREDENTIALS });

  const requests: RecordedRequest[] = [];
  let failuresLeft = options.failFirst ?? 0;
  const keyLocks = new Map<string, Promise<void>>();

  /** Runs `task` after every earlier task on the same key (per-key serialisation). */
  function withKeyLock(lockKey: string, task: () => Promise<void>): Promise<void> {
    const run = (keyLocks.get(lockKey) ?? Promise.resolve()).then(task);
    const settled = run.catch(() => undefined);
    keyLocks.set(lockKey, settled);
    void settled.then(() => keyLocks.get(lockKey) === settled && keyLocks.delete(lockKey));
    return run;
  }

  /** The object's ETag (quoted, as S3 sends it), or undefined when it does not exist. */
  async function etagOf(bucket: string, key: string): Promise<string | undefined> {
    try {
      return (await upstream.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag ?? '';
    } catch (e) {
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw e;
    }
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers };
      delete headers.expect; // this server already answered 100-continue to the client
      const upstreamReq = http.request(
        { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
          upstreamRes.on('end', resolve);
          upstreamRes.on('error', reject);
        },
      );
      upstreamReq.on('error', reject);
      req.pipe(upstreamReq);
    });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    if (failuresLeft > 0) {
      failuresLeft--;
      return answer(req, res, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    if (!(await hasValidSignature(req, CREDENTIALS))) {
      return answer(req, res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    const object = req.method === 'PUT' ? objectOf(req.url ?? '/') : undefined;
    if (!object) return forward(req, res);
    return withKeyLock(`${object.bucket}/${object.key}`, async () => {
      const ifMatch = req.headers['if-match'];
      const refused = options.conditionalWrites &&
        ((req.headers['if-none-match'] === '*' && (await etagOf(object.bucket, object.key)) !== undefined) ||
          (ifMatch !== undefined && (await etagOf(object.bucket, object.key)) !== ifMatch));
      if (refused) return answer(req, res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      await forward(req, res);
    });
  }

  const proxy = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) answer(req, res, 502, 'ProxyError', String(e));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const client = createS3Client({ endpoint, region: REGION, credentials: CREDENTIALS });

  return {
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    client,
    requests,
    env: {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    async createBucket(name: string) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    failNext(count: number) {
      failuresLeft = count;
    },
    async stop() {
      client.destroy();
      upstream.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
