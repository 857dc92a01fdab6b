/**
 * ObjectStore over S3, R2 and any S3-compatible endpoint, rooted at `bucket/prefix`.
 *
 * Every request goes through one retry policy (s3-retry.ts) that covers the whole exchange, body
 * included: a read whose body breaks midway resumes with a Range request from the bytes it has (pinned
 * to the object's ETag, so a replaced object is never stitched onto the old one), and its length is
 * checked against Content-Length. Bodies sent are buffers (small files) or file parts (multipart), so
 * every upload can be re-sent. Requests carry the abort signal of the current job (request-scope.ts)
 * and the per-request timeouts of network-settings.ts. Conditional writes are sent once: an unknown
 * outcome is settled by reading the object back (conditional-write.ts), never by a blind retry.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { isLakebenchError } from '../errors';
import { mapWithConcurrency } from './concurrency';
import { joinKey, normalizeKey, normalizePrefix } from './keys';
import { networkSettings, uploadAllowanceMs, type NetworkSettings } from './network-settings';
import { requestSignal } from './request-scope';
import { mapS3Error, notS3, type S3ErrorContext } from './s3-errors';
import { uploadInParts } from './s3-multipart';
import { networkStats, statusOf, withRetries } from './s3-retry';
import { writeFileAtomically } from './temp-file';
import type { ByteRange, DeleteFailure, IncompleteUpload, ListOptions, ListPage, ObjectInfo, ObjectStore } from './types';

export interface S3StoreOptions {
  client: S3Client;
  bucket: string;
  /** Root inside the bucket, without leading or trailing `/` ('' = the whole bucket). */
  prefix: string;
  urlScheme: 's3' | 'r2';
  /** R2 account id (part of `r2://` URLs). */
  account?: string;
  /** Custom endpoint, for messages and to tell same-named buckets on different services apart. */
  endpoint?: string;
  /** Timeouts, retries and multipart sizes (default: networkSettings(), from the environment). */
  network?: Partial<NetworkSettings>;
}

/** DeleteObjects takes at most 1,000 keys a request. */
const DELETE_BATCH_KEYS = 1000;
/** Batch deletes in flight: each is one request doing a thousand deletes server-side. */
const DELETE_BATCHES_IN_FLIGHT = 4;

/** What a watchdog's abort is reported as: a timeout, which is retried (a user's abort is not). */
function timedOut(phase: 'first-byte' | 'idle', cause: unknown): Error {
  return Object.assign(new Error(phase === 'idle' ? 'the connection went quiet' : 'no answer in time', { cause }), { name: 'TimeoutError', timeoutPhase: phase });
}

function stripQuotes(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

/** A body that ended before Content-Length said it would: retried like a reset. */
function incompleteBody(received: number, expected: number): Error {
  return Object.assign(new Error(`premature close: ${received} of ${expected} bytes arrived`), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * Aborts one exchange that goes quiet: armed for the time to the first byte, re-armed for the idle
 * timeout by each chunk of a body read here. Kept by the store (not only the client's socket timeout)
 * so that every store's own settings hold, and so that a body the SDK reads itself (a listing) is bounded.
 */
class Watchdog {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  /** Which limit ran out, once one has. */
  fired?: 'first-byte' | 'idle';

  constructor(ms: number, private readonly phase: 'first-byte' | 'idle' = 'first-byte') {
    this.arm(ms, phase);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  arm(ms: number, phase: 'first-byte' | 'idle' = this.phase): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = phase;
      this.controller.abort();
    }, ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** Reads a response body chunk by chunk, re-arming the watchdog on each. */
async function drain(body: GetObjectCommandOutput['Body'], watchdog: Watchdog, idleMs: number, onChunk: (chunk: Uint8Array) => Promise<void> | void): Promise<number> {
  let received = 0;
  watchdog.arm(idleMs, 'idle');
  for await (const chunk of body as Readable) {
    watchdog.arm(idleMs, 'idle');
    received += (chunk as Uint8Array).length;
    await onChunk(chunk as Uint8Array);
  }
  return received;
}

/** One exchange's signal (the job's and its watchdog's) and first-byte timeout, as the SDK takes them. */
interface Exchange {
  http: { abortSignal: AbortSignal; requestTimeout: number };
  watchdog: Watchdog;
}

export class S3Store implements ObjectStore {
  readonly kind = 's3' as const;
  readonly url: string;
  readonly id: string;
  private readonly rootPrefix: string;
  private readonly settings: NetworkSettings;

  constructor(private readonly options: S3StoreOptions) {
    const bucketUrl =
      options.urlScheme === 'r2' ? `r2://${options.account ?? ''}/${options.bucket}` : `s3://${options.bucket}`;
    const prefix = normalizePrefix(joinKey(options.prefix), bucketUrl);
    this.rootPrefix = prefix === '' ? '' : `${prefix}/`;
    this.url = prefix === '' ? bucketUrl : `${bucketUrl}/${prefix}`;
    this.id = options.endpoint ? `${options.endpoint}|${this.url}` : this.url;
    this.settings = networkSettings(options.network);
  }

  urlOf(key: string): string {
    return key === '' ? this.url : `${this.url}/${key}`;
  }

  localPath(): undefined {
    return undefined;
  }

  child(prefix: string): S3Store {
    normalizePrefix(prefix, this.url);
    return new S3Store({ ...this.options, prefix: joinKey(this.options.prefix, prefix) });
  }

  private get client(): S3Client {
    return this.options.client;
  }

  private get bucket(): string {
    return this.options.bucket;
  }

  private objectKey(key: string): string {
    return this.rootPrefix + normalizeKey(key, this.url);
  }

  private context(key: string, action: string, bodiless = false): S3ErrorContext {
    return { object: this.urlOf(key), bucket: this.bucket, endpoint: this.options.endpoint, action, bodiless, settings: this.settings };
  }

  private fail(e: unknown, key: string, action: string, bodiless = false): never {
    throw mapS3Error(e, this.context(key, action, bodiless));
  }

  /**
   * One exchange sending `bodyBytes`: aborted by the job's signal, or by its watchdog when no answer comes
   * within the first-byte allowance (plus the idle timeout for a body the SDK reads whole); an abort by
   * the watchdog is thrown as a TimeoutError, which the retry policy retries.
   */
  private async exchange<T>(bodyBytes: number, signal: AbortSignal | undefined, run: (exchange: Exchange) => Promise<T>): Promise<T> {
    const firstByte = uploadAllowanceMs(this.settings, bodyBytes);
    const watchdog = new Watchdog(firstByte + this.settings.idleTimeoutMs);
    const abortSignal = signal ? AbortSignal.any([signal, watchdog.signal]) : watchdog.signal;
    try {
      return await run({ http: { abortSignal, requestTimeout: firstByte }, watchdog });
    } catch (e) {
      if (watchdog.fired && !signal?.aborted) throw timedOut(watchdog.fired, e);
      throw e;
    } finally {
      watchdog.stop();
    }
  }

  /** Runs an idempotent request under the retry policy and maps its final failure. */
  private async retried<T>(operation: string, key: string, action: string, run: (exchange: Exchange) => Promise<T>, bodyBytes = 0, bodiless = false): Promise<T> {
    const signal = requestSignal();
    try {
      return await withRetries({ operation, settings: this.settings, signal }, () => this.exchange(bodyBytes, signal, run));
    } catch (e) {
      this.fail(e, key, action, bodiless);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    normalizePrefix(prefix, this.url);
    const cut = this.rootPrefix.length;
    const page = await this.retried('list', prefix, 'list', async ({ http }) => {
      const answer = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.rootPrefix + prefix,
          Delimiter: options.delimiter ? '/' : undefined,
          ContinuationToken: options.token,
          StartAfter: options.startAfter === undefined ? undefined : this.rootPrefix + options.startAfter,
          MaxKeys: options.maxKeys,
        }),
        http,
      );
      // Every S3 listing names its bucket; a 200 without it came from something else (a web page).
      if (answer.Name === undefined) throw notS3(this.context(prefix, 'list'), 'a listing without a bucket name');
      return answer;
    });
    return {
      objects: (page.Contents ?? []).map((o) => ({
        key: o.Key!.slice(cut),
        size: o.Size ?? 0,
        lastModified: o.LastModified ?? new Date(0),
        etag: stripQuotes(o.ETag),
      })),
      prefixes: (page.CommonPrefixes ?? []).map((p) => p.Prefix!.slice(cut)),
      nextToken: page.IsTruncated ? page.NextContinuationToken : undefined,
    };
  }

  async *listAll(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      // Each page is retried on its own: a failure on page 40 does not start the listing over.
      const page = await this.list(prefix, { token, startAfter: options.startAfter });
      yield* page.objects;
      token = page.nextToken;
    } while (token !== undefined);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const objectKey = this.objectKey(key);
    const head = await this.retried(
      'head',
      key,
      'read metadata',
      async ({ http }) => {
        try {
          return await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }), http);
        } catch (e) {
          if (statusOf(e) === 404) return undefined;
          throw e;
        }
      },
      0,
      true,
    );
    if (!head) return this.confirmBucketExists();
    if (head.ETag === undefined) throw notS3(this.context(key, 'read metadata'), 'an object without an ETag');
    return { key, size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0), etag: stripQuotes(head.ETag) };
  }

  /**
   * HEAD answers have no body, so a missing bucket also looks like a bare 404: a one-key LIST tells
   * them apart (it throws NOT_FOUND naming the bucket). A credential that may read objects but not
   * list them cannot tell, and the object is reported missing.
   */
  private async confirmBucketExists(): Promise<undefined> {
    try {
      await this.list('', { maxKeys: 1 });
    } catch (e) {
      if (!isLakebenchError(e, 'ACCESS_DENIED')) throw e;
    }
    return undefined;
  }

  /**
   * GETs `key` (from `offset`, `length` bytes or to the end), handing each chunk to `onChunk` in order.
   * An attempt that breaks midway is resumed from the bytes already handed over, with If-Match on the
   * ETag of the first answer. Answers the object's ETag and the bytes read.
   */
  private async read(
    key: string,
    action: string,
    from: { offset: number; length?: number },
    onChunk: (chunk: Uint8Array) => Promise<void> | void,
  ): Promise<{ etag?: string; lastModified?: Date; bytes: number }> {
    const objectKey = this.objectKey(key);
    const partial = from.offset > 0 || from.length !== undefined;
    let received = 0;
    let etag: string | undefined;
    let lastModified: Date | undefined;
    await this.retried('get', key, action, async ({ http, watchdog }) => {
      const start = from.offset + received;
      const end = from.length === undefined ? '' : String(from.offset + from.length - 1);
      const answer = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Range: partial || received > 0 ? `bytes=${start}-${end}` : undefined,
          IfMatch: etag === undefined ? undefined : `"${etag}"`,
        }),
        http,
      );
      etag ??= stripQuotes(answer.ETag);
      lastModified ??= answer.LastModified;
      const expected = answer.ContentLength;
      const got = await drain(answer.Body, watchdog, this.settings.idleTimeoutMs, async (chunk) => {
        received += chunk.length;
        await onChunk(chunk);
      });
      if (expected !== undefined && got !== expected) throw incompleteBody(got, expected);
    });
    return { etag, lastModified, bytes: received };
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    if (range?.length === 0) {
      if (!(await this.head(key))) this.fail({ name: 'NoSuchKey' }, key, 'read');
      return new Uint8Array(0);
    }
    const chunks: Uint8Array[] = [];
    try {
      const { bytes } = await this.read(key, 'read', { offset: range?.offset ?? 0, length: range?.length }, (chunk) => void chunks.push(chunk));
      return Buffer.concat(chunks, bytes);
    } catch (e) {
      // A range wholly past the end reads as empty, as it does from a local file.
      if (range && statusOf((e as { cause?: unknown }).cause) === 416) return new Uint8Array(0);
      throw e;
    }
  }

  async download(key: string, localPath: string): Promise<ObjectInfo> {
    let read: { etag?: string; lastModified?: Date; bytes: number } | undefined;
    await writeFileAtomically(localPath, async (temp) => {
      const handle = await fs.open(temp, 'wx');
      try {
        let position = 0;
        read = await this.read(key, 'download', { offset: 0 }, async (chunk) => {
          await handle.write(chunk, 0, chunk.length, position);
          position += chunk.length;
        });
      } finally {
        await handle.close();
      }
    });
    return { key, size: read!.bytes, lastModified: read!.lastModified ?? new Date(0), etag: read!.etag };
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const objectKey = this.objectKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await this.retried('put', key, 'write', ({ http }) => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: bytes }), http), bytes.length);
  }

  /** Small files are read and sent whole; from the multipart threshold up, in parts (s3-multipart.ts). */
  async putFile(key: string, localPath: string): Promise<void> {
    const objectKey = this.objectKey(key);
    const { size } = await fs.stat(localPath);
    if (size < this.settings.multipartThresholdBytes) return this.put(key, await fs.readFile(localPath));
    const signal = requestSignal();
    try {
      await uploadInParts({
        client: this.client,
        bucket: this.bucket,
        key: objectKey,
        file: localPath,
        size,
        settings: this.settings,
        signal,
        exchange: (bytes, run) => this.exchange(bytes, signal, ({ http }) => run(http)),
        sizeOf: async () => (await this.head(key))?.size,
      });
    } catch (e) {
      this.fail(e, key, 'upload');
    }
  }

  /**
   * One PutObject with If-None-Match: true when it created the object, false on 412 (the key exists —
   * perhaps by an earlier attempt of this very writer). Any other failure leaves the outcome unknown:
   * callers settle it with conditional-write.ts. R2 answers 409 to a write racing another on the same key.
   */
  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    return this.putConditionally(key, body, { IfNoneMatch: '*' }, 'create');
  }

  /**
   * PutObject with If-Match (S3 since 2024, R2), sent once like putIfAbsent. Servers that ignore the
   * header would replace regardless, so the ETag is compared first as well: that catches a stale read,
   * though not a writer racing in the milliseconds between the HEAD and the PUT on such a server.
   */
  async putIfMatch(key: string, body: Uint8Array | string, etag: string): Promise<boolean> {
    if ((await this.head(key))?.etag !== etag) return false;
    return this.putConditionally(key, body, { IfMatch: `"${etag}"` }, 'replace');
  }

  private async putConditionally(key: string, body: Uint8Array | string, condition: { IfNoneMatch?: string; IfMatch?: string }, action: string): Promise<boolean> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const objectKey = this.objectKey(key);
    try {
      networkStats.requests++;
      await this.exchange(bytes.length, requestSignal(), ({ http }) =>
        this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: bytes, ...condition }), http),
      );
      return true;
    } catch (e) {
      const status = statusOf(e);
      if (status === 412 || (condition.IfMatch && status === 404)) return false;
      this.fail(e, key, action);
    }
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    await this.retried('delete', key, 'delete', ({ http }) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }), http));
  }

  /**
   * DeleteObjects in quiet mode (the answer lists only failures), one batch of up to 1,000 keys — the
   * service's cap — at a time, a few batches in flight. A batch is idempotent, so it is retried whole.
   */
  async deleteMany(keys: readonly string[]): Promise<DeleteFailure[]> {
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += DELETE_BATCH_KEYS) batches.push(keys.slice(i, i + DELETE_BATCH_KEYS));
    const failed = await mapWithConcurrency(batches, DELETE_BATCHES_IN_FLIGHT, async (batch) => {
      const byObjectKey = new Map(batch.map((key) => [this.objectKey(key), key]));
      const answer = await this.retried('delete', batch[0], `delete ${batch.length} objects`, ({ http }) =>
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Quiet: true, Objects: [...byObjectKey.keys()].map((Key) => ({ Key })) } }),
          http,
        ),
      );
      return (answer.Errors ?? []).map((e): DeleteFailure => ({
        key: byObjectKey.get(e.Key ?? '') ?? (e.Key ?? '').slice(this.rootPrefix.length),
        code: e.Code ?? 'Unknown',
        message: e.Message ?? 'not deleted',
      }));
    });
    return failed.flat();
  }

  async listIncompleteUploads(prefix: string): Promise<IncompleteUpload[]> {
    normalizePrefix(prefix, this.url);
    const uploads: IncompleteUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.retried('list-uploads', prefix, 'list incomplete uploads', ({ http }) =>
        this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.rootPrefix + prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
          http,
        ),
      );
      for (const u of page.Uploads ?? []) {
        if (u.Key === undefined || u.UploadId === undefined) continue;
        uploads.push({ key: u.Key.slice(this.rootPrefix.length), uploadId: u.UploadId, initiated: u.Initiated ?? new Date(0) });
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
    } while (keyMarker !== undefined);
    return uploads;
  }

  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    const objectKey = this.objectKey(upload.key);
    await this.retried('abort-upload', upload.key, 'abort the incomplete upload', async ({ http }) => {
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId: upload.uploadId }), http);
      } catch (e) {
        if (statusOf(e) !== 404) throw e; // already aborted (or completed): nothing left to pay for
      }
    });
  }
}
