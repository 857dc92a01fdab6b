/**
 * The one storage interface. A store is rooted at a location (a local folder or an S3 prefix):
 * every key is relative to that root, uses `/` separators, and may not escape it (`..`, absolute
 * paths and empty segments are refused with OUTSIDE_LOCATION). That is how "nothing is ever written
 * outside the location" holds by construction rather than by care at each call site.
 */
export interface ObjectInfo {
  /** Key relative to the store root, e.g. `_delta_log/00000000000000000000.json`. */
  key: string;
  size: number;
  lastModified: Date;
  /** S3 ETag (quotes stripped) or, for local files, `<mtimeMs>-<size>`. */
  etag?: string;
}

export interface ListOptions {
  /** Group keys by `/` after the prefix into `prefixes` (one level, like `ls`). */
  delimiter?: boolean;
  /** Continuation token from the previous page. */
  token?: string;
  /** Page size (S3 caps it at 1000). */
  maxKeys?: number;
  /** Only keys lexicographically after this full key (relative to root). */
  startAfter?: string;
}

export interface ListPage {
  objects: ObjectInfo[];
  /** Sub-prefixes (relative to root, ending in `/`) when `delimiter` was set. */
  prefixes: string[];
  /** Present when more pages follow. */
  nextToken?: string;
}

export interface ByteRange {
  offset: number;
  length: number;
}

/** A multipart upload that was started and never completed nor aborted: storage that is paid for. */
export interface IncompleteUpload {
  /** Key relative to the store root. */
  key: string;
  uploadId: string;
  initiated: Date;
}

/** A key a batch delete could not delete, and why (the service's or the file system's code and message). */
export interface DeleteFailure {
  key: string;
  code: string;
  message: string;
}

export interface ObjectStore {
  /** `local` for folders, `s3` for AWS S3, R2 and any S3-compatible endpoint. */
  readonly kind: 'local' | 's3';
  /** URL of the root, for messages and display: `/abs/path`, `s3://bucket/prefix`, `r2://acct/bucket/prefix`. */
  readonly url: string;
  /** Stable identity of the root (used to key caches): same store and root ⇒ same id. */
  readonly id: string;

  /** One page of keys under `prefix` (relative to root; '' = everything). Keys come sorted. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /**
   * Every object under `prefix`, following all pages (no delimiter). `includeTemporary` also lists the
   * temp files of in-flight (or crashed) local writes, which listings otherwise hide — for the orphan
   * report; S3 writes have none.
   */
  listAll(prefix: string, options?: { startAfter?: string; includeTemporary?: boolean }): AsyncIterable<ObjectInfo>;
  /** Metadata of one object, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Whole object or a byte range. Throws NOT_FOUND when missing. */
  get(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** Copy an object to a local file (streams; for the cache and big files). */
  download(key: string, localPath: string): Promise<ObjectInfo>;
  /** Create or replace an object. Data files are written once under fresh names; never overwrite log entries. */
  put(key: string, body: Uint8Array | string): Promise<void>;
  /** Upload a local file (re-sendable: whole for small files, in parts from the multipart threshold on S3). */
  putFile(key: string, localPath: string): Promise<void>;
  /**
   * Create only if absent, in one attempt. Returns false (and writes nothing) when the key already exists
   * — which may be this writer's own earlier attempt whose answer was lost. A thrown error leaves the
   * outcome unknown. Writers of commits use conditionalPut (conditional-write.ts), which settles both.
   */
  putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>;
  /**
   * Replace only if the object's ETag is still `etag` (a read-modify-write guard, e.g. a DES sidecar), in
   * one attempt. Returns false (and writes nothing) when it changed or is gone; see putIfAbsent on errors.
   */
  putIfMatch(key: string, body: Uint8Array | string, etag: string): Promise<boolean>;
  /** Delete one object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Delete many objects: on S3 by DeleteObjects, 1,000 keys a request; local files in parallel. A missing
   * object is not an error. Keys that could not be deleted are returned, each with its reason, and the
   * others are deleted regardless; a request that fails whole (after retries) throws.
   */
  deleteMany(keys: readonly string[]): Promise<DeleteFailure[]>;
  /** Multipart uploads under `prefix` never completed nor aborted (none for local folders). */
  listIncompleteUploads(prefix: string): Promise<IncompleteUpload[]>;
  /** Aborts one, freeing its parts; one already gone is not an error. */
  abortIncompleteUpload(upload: IncompleteUpload): Promise<void>;
  /** A store rooted at `root/<prefix>`. */
  child(prefix: string): ObjectStore;
  /** Absolute local path of a key for local stores (DuckDB reads these directly); undefined for remote stores. */
  localPath(key: string): string | undefined;
  /** URL of one key, for error messages. */
  urlOf(key: string): string;
}
