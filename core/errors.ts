/**
 * One error type for the whole engine. Every error names the object it is about (a URL such as
 * `s3://bucket/table/_delta_log/00000000000000000003.json` or a local path) and a machine-readable
 * code, so the CLI can pick an exit status and the UI can show the object next to the message.
 */
export type ErrorCode =
  | 'USAGE' // bad arguments from the user (CLI exit 2)
  | 'NOT_FOUND' // object, table or version does not exist
  | 'ACCESS_DENIED' // wrong credential or missing permission (HTTP 403)
  | 'WRONG_REGION' // bucket lives in another region (301/PermanentRedirect/AuthorizationHeaderMalformed)
  | 'BAD_ENDPOINT' // endpoint unreachable or not an S3 service
  | 'OUTSIDE_LOCATION' // a key or path that would escape the opened location
  | 'CONFLICT' // a concurrent writer committed something this commit cannot be reconciled with
  | 'CORRUPT' // a log entry, checkpoint or data file that cannot be parsed
  | 'UNSUPPORTED_FEATURE' // a Delta protocol feature this reader does not implement
  | 'UNSUPPORTED_OPERATION' // an operation or view the table's format does not support (compact on a read-only table)
  | 'BAD_INPUT' // malformed rows in a file being imported
  | 'NOT_A_TABLE' // a folder that holds no table of a known layout
  | 'CANCELLED' // the user cancelled (Ctrl-C, cancel button)
  | 'ENVIRONMENT' // this runtime cannot run the engine: a native module or the catalog does not load
  | 'TIMEOUT' // the command's overall deadline (--timeout) passed
  | 'IO'; // any other storage failure after retries

export class LakebenchError extends Error {
  readonly code: ErrorCode;
  /** The object (URL or path) the error is about, when there is one. */
  readonly object?: string;

  constructor(code: ErrorCode, message: string, options: { object?: string; cause?: unknown } = {}) {
    super(options.object && !message.includes(options.object) ? `${options.object}: ${message}` : message, {
      cause: options.cause,
    });
    this.name = 'LakebenchError';
    this.code = code;
    this.object = options.object;
  }
}

export function isLakebenchError(e: unknown, code?: ErrorCode): e is LakebenchError {
  return e instanceof LakebenchError && (code === undefined || e.code === code);
}
