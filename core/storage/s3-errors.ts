/**
 * Turns what the AWS SDK throws into a LakebenchError that names the object and says what to do.
 * The SDK has already retried transient failures by the time an error gets here.
 */
import { LakebenchError } from '../errors';

/** What the SDK puts on service and network errors (only the fields we read). */
interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  Region?: string;
  Endpoint?: string;
  errors?: { code?: string }[];
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'EPROTO']);
const AUTH_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'InvalidToken', 'ExpiredToken', 'AllAccessDisabled']);
const REGION_CODES = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);

export interface S3ErrorContext {
  /** URL of the object (or root) the call was about. */
  object: string;
  bucket: string;
  /** Endpoint URL for messages; undefined = AWS. */
  endpoint?: string;
  action: string;
  /** The request was a HEAD, whose error answers have no body to read a code from. */
  bodiless?: boolean;
}

function networkCode(e: SdkErrorShape): string | undefined {
  // Node 20 reports a refused dual-stack connect as an AggregateError whose parts carry the code.
  const codes = [e.code, ...(e.errors ?? []).map((inner) => inner.code)];
  return codes.find((code): code is string => code !== undefined && NETWORK_CODES.has(code));
}

export function mapS3Error(error: unknown, context: S3ErrorContext): LakebenchError {
  if (error instanceof LakebenchError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const { object, bucket, action } = context;
  const endpoint = context.endpoint ?? 'AWS S3';
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? e.name ?? '';
  const cause = error;

  const network = networkCode(e);
  if (network) {
    return new LakebenchError('BAD_ENDPOINT', `cannot ${action}: endpoint ${endpoint} is unreachable (${network})`, { object, cause });
  }
  if (e.name === 'AbortError') return new LakebenchError('CANCELLED', `${action} was cancelled`, { object, cause });
  if (code === 'NoSuchBucket') {
    return new LakebenchError('NOT_FOUND', `cannot ${action}: bucket "${bucket}" does not exist at ${endpoint}`, { object, cause });
  }
  // HEAD answers carry no body, so a bare 404 there is a missing object; elsewhere S3 always says why.
  if (code === 'NoSuchKey' || (status === 404 && (e.Code !== undefined || context.bodiless))) {
    return new LakebenchError('NOT_FOUND', `cannot ${action}: no such object`, { object, cause });
  }
  const bucketRegion = e.Region ?? e.$response?.headers?.['x-amz-bucket-region'];
  if (REGION_CODES.has(code) || status === 301 || (status === 400 && bucketRegion)) {
    const where = bucketRegion ? `bucket "${bucket}" is in region ${bucketRegion}` : `bucket "${bucket}" is in another region`;
    return new LakebenchError('WRONG_REGION', `cannot ${action}: ${where}; set the region (--region or AWS_REGION)`, { object, cause });
  }
  if (AUTH_CODES.has(code) || status === 403) {
    return new LakebenchError('ACCESS_DENIED', `cannot ${action}: wrong credential or no permission (${e.Code ?? `HTTP ${status}`})`, {
      object,
      cause,
    });
  }
  if (status !== undefined && e.Code === undefined && !context.bodiless) return notS3(context, `HTTP ${status}`, cause);
  const what = e.Code ?? (status !== undefined && status >= 500 ? 'server error' : e.name ?? 'error');
  return new LakebenchError('IO', `cannot ${action}: ${what}${status ? ` (HTTP ${status})` : ''}${e.message && e.message !== what ? `: ${e.message}` : ''}`, {
    object,
    cause,
  });
}

/** The endpoint answered, but not like S3 (an HTML page, a proxy, another API). */
export function notS3(context: S3ErrorContext, detail: string, cause?: unknown): LakebenchError {
  return new LakebenchError(
    'BAD_ENDPOINT',
    `cannot ${context.action}: ${context.endpoint ?? 'AWS S3'} did not answer like an S3 service (${detail})`,
    { object: context.object, cause },
  );
}
