/**
 * ObjectStore over S3, R2 and any S3-compatible endpoint, rooted at `bucket/prefix`.
 * Retries live in the client (see s3-client.ts); this module maps keys and errors.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isLakebenchError } from '../errors';
import { joinKey, normalizeKey, normalizePrefix } from './keys';
import { mapS3Error, notS3, type S3ErrorContext } from './s3-errors';
import { writeFileAtomically } from './temp-file';
import type { ByteRange, ListOptions, ListPage, ObjectInfo, ObjectStore } from './types';

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
}

/** R2 answers a racing conditional write with 409; the loser must retry to learn whether it lost. */
const CONFLICT_RETRIES = 5;
const CONFLICT_BACKOFF_MS = 50;

function stripQuotes(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export class S3Store implements ObjectStore {
  readonly kind = 's3' as const;
  readonly url: string;
  readonly id: string;
  private readonly rootPrefix: string;

  constructor(private readonly options: S3StoreOptions) {
    const bucketUrl =
      options.urlScheme === 'r2' ? `r2://${options.account ?? ''}/${options.bucket}` : `s3://${options.bucket}`;
    const prefix = normalizePrefix(joinKey(options.prefix), bucketUrl);
    this.rootPrefix = prefix === '' ? '' : `${prefix}/`;
    this.url = prefix === '' ? bucketUrl : `${bucketUrl}/${prefix}`;
    this.id = options.endpoint ? `${options.endpoint}|${this.url}` : this.url;
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

  private objectKey(key: string): string {
    return this.rootPrefix + normalizeKey(key, this.url);
  }

  private context(key: string, action: string, bodiless = false): S3ErrorContext {
    return { object: this.urlOf(key), bucket: this.options.bucket, endpoint: this.options.endpoint, action, bodiless };
  }

  private fail(e: unknown, key: string, action: string, bodiless = false): never {
    throw mapS3Error(e, this.context(key, action, bodiless));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    normalizePrefix(prefix, this.url);
    const cut = this.rootPrefix.length;
    try {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.rootPrefix + prefix,
          Delimiter: options.delimiter ? '/' : undefined,
          ContinuationToken: options.token,
          StartAfter: options.startAfter === undefined ? undefined : this.rootPrefix + options.startAfter,
          MaxKeys: options.maxKeys,
        }),
      );
      // Every S3 listing names its bucket; a 200 without it came from something else (a web page).
      if (page.Name === undefined) throw notS3(this.context(prefix, 'list'), 'a listing without a bucket name');
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
    } catch (e) {
      this.fail(e, prefix, 'list');
    }
  }

  async *listAll(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.list(prefix, { token, startAfter: options.startAfter });
      yield* page.objects;
      token = page.nextToken;
    } while (token !== undefined);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      if (head.ETag === undefined) throw notS3(this.context(key, 'read metadata'), 'an object without an ETag');
      return { key, size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0), etag: stripQuotes(head.ETag) };
    } catch (e) {
      if (httpStatus(e) === 404) return this.confirmBucketExists();
      this.fail(e, key, 'read metadata', true);
    }
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

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    if (range?.length === 0) {
      if (!(await this.head(key))) this.fail({ name: 'NoSuchKey' }, key, 'read');
      return new Uint8Array(0);
    }
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.objectKey(key),
          Range: range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined,
        }),
      );
      return await response.Body!.transformToByteArray();
    } catch (e) {
      // A range wholly past the end reads as empty, as it does from a local file.
      if (range && httpStatus(e) === 416) return new Uint8Array(0);
      this.fail(e, key, 'read');
    }
  }

  async download(key: string, localPath: string): Promise<ObjectInfo> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      await writeFileAtomically(localPath, (temp) => pipeline(response.Body as Readable, createWriteStream(temp, { flags: 'wx' })));
      return {
        key,
        size: response.ContentLength ?? (await fs.stat(localPath)).size,
        lastModified: response.LastModified ?? new Date(0),
        etag: stripQuotes(response.ETag),
      };
    } catch (e) {
      this.fail(e, key, 'download');
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key), Body: body }));
    } catch (e) {
      this.fail(e, key, 'write');
    }
  }

  /** Streams the file in one PutObject (up to 5 GB; multipart would need @aws-sdk/lib-storage). */
  async putFile(key: string, localPath: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      const { size } = await fs.stat(localPath);
      await this.client.send(
        new PutObjectCommand({ Bucket: this.options.bucket, Key: objectKey, Body: createReadStream(localPath), ContentLength: size }),
      );
    } catch (e) {
      this.fail(e, key, 'upload');
    }
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const objectKey = this.objectKey(key);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.options.bucket, Key: objectKey, Body: body, IfNoneMatch: '*' }),
        );
        return true;
      } catch (e) {
        const status = httpStatus(e);
        if (status === 412) return false;
        if (status !== 409 || attempt === CONFLICT_RETRIES) this.fail(e, key, 'create');
        await new Promise((resolve) => setTimeout(resolve, Math.random() * CONFLICT_BACKOFF_MS * 2 ** attempt));
      }
    }
  }

  /**
   * PutObject with If-Match (S3 since 2024, R2). Servers that ignore the header (s3rver) would replace
   * regardless, so the ETag is compared first as well: that catches a stale read, though not a writer
   * racing in the milliseconds between the HEAD and the PUT on such a server.
   */
  async putIfMatch(key: string, body: Uint8Array | string, etag: string): Promise<boolean> {
    if ((await this.head(key))?.etag !== etag) return false;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key), Body: body, IfMatch: `"${etag}"` }));
      return true;
    } catch (e) {
      if (httpStatus(e) === 412 || httpStatus(e) === 404) return false;
      this.fail(e, key, 'replace');
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
    } catch (e) {
      this.fail(e, key, 'delete');
    }
  }
}
