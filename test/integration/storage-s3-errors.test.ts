/**
 * What users see when S3 goes wrong: each failure maps to a LakebenchError code that names the
 * object, and transient failures are retried (core/storage/s3-retry.ts). Real servers on loopback only: s3rver
 * behind the test proxy, plus tiny node:http servers that answer the way misconfigured endpoints do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLakebenchError, type LakebenchError } from '../../core/errors';
import { S3Store } from '../../core/storage/s3';
import { createS3Client } from '../../core/storage/s3-client';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket('errors');
});
afterAll(() => server?.stop());

function storeAt(options: {
  endpoint: string;
  bucket?: string;
  secretAccessKey?: string;
  maxAttempts?: number;
}): S3Store {
  const client = createS3Client({
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey: options.secretAccessKey ?? server.credentials.secretAccessKey },
  });
  return new S3Store({
    client,
    bucket: options.bucket ?? 'errors',
    prefix: 'lake',
    urlScheme: 's3',
    endpoint: options.endpoint,
    network: { maxAttempts: options.maxAttempts ?? 1, baseDelayMs: 10 },
  });
}

async function failure(promise: Promise<unknown>): Promise<LakebenchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isLakebenchError(error)) throw new Error(`expected a LakebenchError, got ${String(error)}`);
  return error;
}

/** A loopback HTTP server answering every request with one canned response. */
async function cannedServer(status: number, headers: Record<string, string>, body: string): Promise<{ endpoint: string; close(): Promise<void> }> {
  const httpServer = http.createServer((req, res) => {
    req.resume();
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

describe('S3 error mapping', () => {
  it('reports a wrong secret as ACCESS_DENIED naming the object', async () => {
    const store = storeAt({ endpoint: server.endpoint, secretAccessKey: 'not-the-secret' });
    const error = await failure(store.get('_delta_log/00000000000000000000.json'));
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.object).toBe('s3://errors/lake/_delta_log/00000000000000000000.json');
    expect(error.message).toMatch(/wrong credential or no permission/);
    expect((await failure(store.head('x'))).code).toBe('ACCESS_DENIED');
    expect((await failure(store.list(''))).code).toBe('ACCESS_DENIED');
    expect((await failure(store.put('x', 'y'))).code).toBe('ACCESS_DENIED');
  });

  it('reports an unknown access key as ACCESS_DENIED', async () => {
    const client = createS3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'x' },
    });
    const store = new S3Store({ client, bucket: 'errors', prefix: '', urlScheme: 's3', endpoint: server.endpoint, network: { maxAttempts: 1 } });
    expect((await failure(store.list(''))).code).toBe('ACCESS_DENIED');
  });

  it('reports an endpoint with nothing listening as BAD_ENDPOINT naming the endpoint', async () => {
    const closed = await cannedServer(200, {}, '');
    await closed.close(); // the port is now free: connections are refused
    const store = storeAt({ endpoint: closed.endpoint, maxAttempts: 2 });
    const error = await failure(store.get('x'));
    expect(error.code).toBe('BAD_ENDPOINT');
    expect(error.message).toContain(closed.endpoint);
    expect(error.object).toBe('s3://errors/lake/x');
  });

  it('reports a web page instead of S3 as BAD_ENDPOINT', async () => {
    for (const status of [200, 404]) {
      const page = await cannedServer(status, { 'content-type': 'text/html' }, '<html><body>Welcome</body></html>');
      try {
        const store = storeAt({ endpoint: page.endpoint });
        const listError = await failure(store.list(''));
        expect(listError.code).toBe('BAD_ENDPOINT');
        expect(listError.message).toContain(page.endpoint);
        expect((await failure(store.head('x'))).code).toBe('BAD_ENDPOINT');
      } finally {
        await page.close();
      }
    }
  });

  it('reports a missing bucket as NOT_FOUND naming the bucket', async () => {
    const store = storeAt({ endpoint: server.endpoint, bucket: 'no-such-bucket' });
    for (const attempt of [() => store.get('x'), () => store.list(''), () => store.head('x')]) {
      const error = await failure(attempt());
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain('bucket "no-such-bucket" does not exist');
    }
  });

  it('reports a bucket in another region as WRONG_REGION, saying which region', async () => {
    const redirect = await cannedServer(
      301,
      { 'content-type': 'application/xml', 'x-amz-bucket-region': 'eu-west-1' },
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Bucket>errors</Bucket><Endpoint>errors.s3.eu-west-1.amazonaws.com</Endpoint></Error>',
    );
    try {
      const store = storeAt({ endpoint: redirect.endpoint });
      for (const attempt of [() => store.get('x'), () => store.list(''), () => store.head('x')]) {
        const error = await failure(attempt());
        expect(error.code).toBe('WRONG_REGION');
        expect(error.message).toContain('eu-west-1');
      }
    } finally {
      await redirect.close();
    }
  });

  it('reports an AuthorizationHeaderMalformed region hint as WRONG_REGION', async () => {
    const malformed = await cannedServer(
      400,
      { 'content-type': 'application/xml' },
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AuthorizationHeaderMalformed</Code><Message>the region \'us-east-1\' is wrong; expecting \'eu-central-1\'</Message><Region>eu-central-1</Region></Error>',
    );
    try {
      const error = await failure(storeAt({ endpoint: malformed.endpoint }).list(''));
      expect(error.code).toBe('WRONG_REGION');
      expect(error.message).toContain('eu-central-1');
    } finally {
      await malformed.close();
    }
  });
});

describe('S3 retries', () => {
  it('survives throttling: the first two answers are 503 SlowDown', async () => {
    const store = storeAt({ endpoint: server.endpoint, maxAttempts: 5 });
    await store.put('retry/object.txt', 'still here');
    const before = server.requests.length;
    server.failNext(2);
    expect(new TextDecoder().decode(await store.get('retry/object.txt'))).toBe('still here');
    const seen = server.requests.slice(before);
    expect(seen).toHaveLength(3); // two throttled attempts, then the one that succeeded
    expect(seen.every((r) => r.method === 'GET' && r.url.includes('/errors/lake/retry/object.txt'))).toBe(true);
  });

  it('gives up after maxAttempts with an error naming the object', async () => {
    const store = storeAt({ endpoint: server.endpoint, maxAttempts: 2 });
    server.failNext(2);
    const error = await failure(store.get('retry/object.txt'));
    expect(error.code).toBe('IO');
    expect(error.message).toMatch(/SlowDown.*after 2 attempts/);
    expect(error.object).toBe('s3://errors/lake/retry/object.txt');
  });

  it('retries a refused connection before giving up', async () => {
    const closed = await cannedServer(200, {}, '');
    await closed.close();
    const error = await failure(storeAt({ endpoint: closed.endpoint, maxAttempts: 2 }).head('x'));
    expect(error.code).toBe('BAD_ENDPOINT');
    expect(error.message).toMatch(/ECONNREFUSED\) after 2 attempts/);
  });
});
