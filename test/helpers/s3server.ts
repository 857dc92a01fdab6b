/**
 * A real S3 server on loopback for tests: s3rver in a temp dir, behind a small HTTP proxy that
 * records requests, verifies V4 signatures (s3rver does not: see sigv4-check.ts), can fail the
 * next N with 503 SlowDown (to prove retries), injects seeded network faults (s3-faults.ts) and —
 * with `conditionalWrites` — enforces `If-None-Match: *` and `If-Match: <etag>`.
 *
 * s3rver ignores If-None-Match and If-Match on PUT (and If-Match on GET). Real S3, R2 and MinIO enforce
 * them server-side; the proxy stands in for that: it serialises PUTs per key and answers 412
 * PreconditionFailed when the condition fails (checked with a HEAD upstream). Every request passes
 * through this one proxy, so check-then-write is atomic, as on the real services. It also answers the
 * two multipart calls s3rver lacks — ListMultipartUploads and AbortMultipartUpload — from s3rver's own
 * folder of unfinished uploads.
 *
 * The proxy listens twice: `endpoint` gets the faults of the current plan, `cleanEndpoint` never does
 * (tests seed and check through it). Both share the per-key locks, so conditions hold across them.
 */
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import crypto from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import S3rver from 's3rver';
import { createS3Client } from '../../core/storage/s3-client';
import { deliver, dropConnection, FaultInjector, type DrawnFault, type FaultPlan, type FaultRule, type FaultStats, type UpstreamAnswer } from './s3-faults';
import { hasValidSignature } from './sigv4-check';

export interface S3ServerOptions {
  /** Enforce `If-None-Match: *` and `If-Match` (default false, like s3rver itself). */
  conditionalWrites?: boolean;
  /** Answer 503 SlowDown to the first N requests. */
  failFirst?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. `/bucket/key?x-id=GetObject`. */
  url: string;
  /** The fault injected into it, if any. */
  fault?: DrawnFault['kind'];
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface S3TestServer {
  /** The proxy's URL: point clients here. Requests get the faults of the current plan. */
  endpoint: string;
  /** The same store without faults, for seeding and checking. */
  cleanEndpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  createBucket(name: string): Promise<void>;
  /** A client configured like openLocation's, pointed at `endpoint`. */
  client: S3Client;
  /** A client pointed at `cleanEndpoint`. */
  cleanClient: S3Client;
  /** AWS_* variables that make openLocation / the CLI use this server (`endpoint`). */
  env: Record<string, string>;
  /** The same, for `cleanEndpoint`. */
  cleanEnv: Record<string, string>;
  /** Every request the proxy received, in order. */
  requests: RecordedRequest[];
  /** Answer 503 SlowDown to the next `count` requests. */
  failNext(count: number): void;
  /**
   * Refuse to delete the objects (bucket-relative keys) `denied` matches, as a bucket policy or an object
   * lock would: a DeleteObject answers 403 AccessDenied, a DeleteObjects lists them under Errors and
   * deletes the rest. Undefined lifts it.
   */
  denyDeletes(denied: ((key: string) => boolean) | undefined): void;
  /** Start (or, with undefined, stop) injecting faults into requests to `endpoint`. */
  setFaults(plan: FaultPlan | undefined): void;
  /** Inject `rule.kind` into the next requests to `endpoint` that match (on top of any plan). */
  addFaultRule(rule: FaultRule): void;
  clearFaultRules(): void;
  /** Requests seen and faults injected while a plan was set. */
  faultStats: FaultStats;
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'us-east-1';
/** Where s3rver keeps unfinished multipart uploads: `<dir>/<bucket>/._S3rver_uploads/<id>/key`. */
const S3RVER_UPLOADS = '._S3rver_uploads';

function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>lakebench-test-proxy</RequestId></Error>`;
}

function answer(req: http.IncomingMessage, res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  req.resume(); // drain the body so the client's socket stays usable
  const body = s3ErrorXml(code, message);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function xmlAnswer(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unescapeXml = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The keys of a DeleteObjects request body. */
function keysToDelete(body: string): string[] {
  return [...body.matchAll(/<Object>\s*<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]));
}

/** A DeleteObjects body for `keys` (what s3rver is sent once the denied keys are taken out). */
function deleteObjectsXml(keys: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Delete>${keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('')}</Delete>`;
}

const accessDeniedXml = (key: string): string => `<Error><Key>${escapeXml(key)}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`;

/** `/bucket/key…?query` → bucket and key (path-style addressing, as our clients use); key '' for bucket calls. */
function targetOf(url: string): { bucket: string; key: string; query: URLSearchParams } | undefined {
  const parsed = new URL(url, 'http://proxy');
  const pathname = parsed.pathname;
  if (pathname === '/') return undefined;
  const slash = pathname.indexOf('/', 1);
  if (slash < 0) return { bucket: decodeURIComponent(pathname.slice(1)), key: '', query: parsed.searchParams };
  return { bucket: decodeURIComponent(pathname.slice(1, slash)), key: decodeURIComponent(pathname.slice(slash + 1)), query: parsed.searchParams };
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

function awsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3TestServer> {
  letS3rverPaginate();
  const directory = await mkdtemp(path.join(os.tmpdir(), 'lakebench-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port: upstreamPort } = await s3rver.run();
  const upstream = createS3Client({ endpoint: `http://127.0.0.1:${upstreamPort}`, region: REGION, credentials: CREDENTIALS });
  const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });

  const requests: RecordedRequest[] = [];
  let failuresLeft = options.failFirst ?? 0;
  const keyLocks = new Map<string, Promise<void>>();
  const faults = new FaultInjector();
  let deleteDenied: ((key: string) => boolean) | undefined;

  /** Runs `task` after every earlier task on the same key (per-key serialisation). */
  function withKeyLock<T>(lockKey: string, task: () => Promise<T>): Promise<T> {
    const run = (keyLocks.get(lockKey) ?? Promise.resolve()).then(task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
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

  /** Sends the request on to s3rver and holds its whole answer (so that a fault can deliver part of it). */
  function forward(req: http.IncomingMessage, body: Buffer, sentHeaders: http.IncomingHttpHeaders = req.headers): Promise<UpstreamAnswer> {
    return new Promise((resolve, reject) => {
      const headers = { ...sentHeaders };
      delete headers.expect; // this server already answered 100-continue to the client
      const upstreamReq = http.request(
        { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent: upstreamAgent },
        (upstreamRes) => {
          const chunks: Buffer[] = [];
          upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamRes.on('end', () => resolve({ status: upstreamRes.statusCode ?? 502, headers: upstreamRes.headers, body: Buffer.concat(chunks) }));
          upstreamRes.on('error', reject);
        },
      );
      upstreamReq.on('error', reject);
      upstreamReq.end(body);
    });
  }

  async function readBody(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** The precondition a PUT or GET carries that s3rver would ignore, answered 412 when it fails. */
  async function preconditionFails(req: http.IncomingMessage, bucket: string, key: string): Promise<boolean> {
    if (!options.conditionalWrites) return false;
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.method === 'PUT' ? req.headers['if-none-match'] : undefined;
    if (ifMatch === undefined && ifNoneMatch !== '*') return false;
    const etag = await etagOf(bucket, key);
    return (ifNoneMatch === '*' && etag !== undefined) || (ifMatch !== undefined && etag !== ifMatch);
  }

  /** ListMultipartUploads, from s3rver's folder of unfinished uploads. */
  async function listUploads(res: http.ServerResponse, bucket: string, prefix: string): Promise<void> {
    const folder = path.join(directory, bucket, S3RVER_UPLOADS);
    const ids = await readdir(folder).catch(() => [] as string[]);
    const uploads: string[] = [];
    for (const id of ids.sort()) {
      const key = await readFile(path.join(folder, id, 'key'), 'utf8').catch(() => undefined);
      if (key === undefined || !key.startsWith(prefix)) continue;
      const initiated = (await stat(path.join(folder, id))).mtime.toISOString();
      uploads.push(`<Upload><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId><Initiated>${initiated}</Initiated></Upload>`);
    }
    xmlAnswer(
      res,
      200,
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<Bucket>${escapeXml(bucket)}</Bucket><Prefix>${escapeXml(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>` +
        `${uploads.join('')}</ListMultipartUploadsResult>`,
    );
  }

  /** AbortMultipartUpload: drops s3rver's folder of the upload's parts. */
  async function abortUpload(req: http.IncomingMessage, res: http.ServerResponse, bucket: string, uploadId: string): Promise<void> {
    const folder = path.join(directory, bucket, S3RVER_UPLOADS, path.basename(uploadId));
    if (!(await stat(folder).catch(() => undefined))) return answer(req, res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    await rm(folder, { recursive: true, force: true });
    req.resume();
    res.writeHead(204);
    res.end();
  }

  /** DeleteObjects with some keys denied: s3rver deletes the others, and the answer lists the denied ones as errors. */
  async function deleteSome(req: http.IncomingMessage, res: http.ServerResponse, denied: (key: string) => boolean): Promise<void> {
    const keys = keysToDelete((await readBody(req)).toString('utf8'));
    const allowed = keys.filter((key) => !denied(key));
    let deleted = '';
    if (allowed.length > 0) {
      const body = Buffer.from(deleteObjectsXml(allowed));
      // The body changed: its length and checksums go with it (s3rver checks no signature).
      const headers: http.IncomingHttpHeaders = { ...req.headers, 'content-length': String(body.length) };
      for (const header of Object.keys(headers)) if (header.startsWith('x-amz-checksum') || header === 'content-md5') delete headers[header];
      const upstreamAnswer = await forward(req, body, headers);
      if (upstreamAnswer.status !== 200) return deliver(res, upstreamAnswer, undefined, faults.stallLimitMs());
      deleted = /<DeleteResult[^>]*>([\s\S]*)<\/DeleteResult>/.exec(upstreamAnswer.body.toString('utf8'))?.[1] ?? '';
    }
    const errors = keys.filter(denied).map(accessDeniedXml).join('');
    xmlAnswer(res, 200, `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${deleted}${errors}</DeleteResult>`);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, withFaults: boolean): Promise<void> {
    const method = req.method ?? '';
    const url = req.url ?? '/';
    const fault = withFaults ? faults.draw(method, url) : undefined;
    requests.push({ method, url, at: Date.now(), ...(fault && { fault: fault.kind }) });
    if (failuresLeft > 0) {
      failuresLeft--;
      return answer(req, res, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    if (!(await hasValidSignature(req, CREDENTIALS))) {
      return answer(req, res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    if (fault?.kind === 'latency') await sleep(faults.latencyOf(fault));
    if (fault?.kind === '500') return answer(req, res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
    if (fault?.kind === '503') return answer(req, res, 503, 'SlowDown', 'Please reduce your request rate.', { 'retry-after': fault.u < 0.5 ? '0' : '1' });
    if (fault?.kind === 'reset') return dropConnection(req, res);
    if (fault?.kind === '409') return answer(req, res, 409, 'ConditionalRequestConflict', 'A conflicting operation is in progress against this object.');

    const target = targetOf(url);
    if (target && target.key === '' && method === 'GET' && target.query.has('uploads')) {
      return listUploads(res, target.bucket, target.query.get('prefix') ?? '');
    }
    if (target && target.key !== '' && method === 'DELETE' && target.query.has('uploadId')) {
      return abortUpload(req, res, target.bucket, target.query.get('uploadId')!);
    }
    if (deleteDenied && target && target.key === '' && method === 'POST' && target.query.has('delete')) {
      return deleteSome(req, res, deleteDenied);
    }
    if (deleteDenied?.(target?.key ?? '') && method === 'DELETE') return answer(req, res, 403, 'AccessDenied', 'Access Denied');
    const body = await readBody(req);
    const conditional = target && target.key !== '' && (method === 'PUT' || (method === 'GET' && req.headers['if-match'] !== undefined));
    const upstreamAnswer = conditional
      ? await withKeyLock(`${target.bucket}/${target.key}`, async () =>
          (await preconditionFails(req, target.bucket, target.key))
            ? undefined
            : forward(req, body),
        )
      : await forward(req, body);
    if (!upstreamAnswer) {
      // The condition failed; a fault on the answer still applies.
      const xml = s3ErrorXml('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      return deliver(res, { status: 412, headers: { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(xml)) }, body: Buffer.from(xml) }, fault, faults.stallLimitMs());
    }
    return deliver(res, upstreamAnswer, fault, faults.stallLimitMs());
  }

  const serve = (withFaults: boolean) =>
    http.createServer((req, res) => {
      handle(req, res, withFaults).catch((e: unknown) => {
        if (!res.headersSent) answer(req, res, 502, 'ProxyError', String(e));
        else res.destroy();
      });
    });
  const proxy = serve(true);
  const cleanProxy = serve(false);
  const endpoint = await listen(proxy);
  const cleanEndpoint = await listen(cleanProxy);
  const client = createS3Client({ endpoint, region: REGION, credentials: CREDENTIALS });
  const cleanClient = createS3Client({ endpoint: cleanEndpoint, region: REGION, credentials: CREDENTIALS });

  return {
    endpoint,
    cleanEndpoint,
    region: REGION,
    credentials: CREDENTIALS,
    client,
    cleanClient,
    requests,
    env: awsEnv(endpoint),
    cleanEnv: awsEnv(cleanEndpoint),
    async createBucket(name: string) {
      await cleanClient.send(new CreateBucketCommand({ Bucket: name }));
    },
    failNext(count: number) {
      failuresLeft = count;
    },
    denyDeletes(denied: ((key: string) => boolean) | undefined) {
      deleteDenied = denied;
    },
    setFaults(plan: FaultPlan | undefined) {
      faults.setPlan(plan);
    },
    addFaultRule(rule: FaultRule) {
      faults.addRule(rule);
    },
    clearFaultRules() {
      faults.clearRules();
    },
    faultStats: faults.stats,
    async stop() {
      faults.setPlan(undefined);
      client.destroy();
      cleanClient.destroy();
      upstream.destroy();
      for (const server of [proxy, cleanProxy]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      upstreamAgent.destroy();
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
