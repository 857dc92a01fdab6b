/**
 * Turns what the AWS SDK throws into a LakebenchError that names the object and says what to do.
 * The retry policy (s3-retry.ts) has already retried transient failures by the time an error gets here;
 * the message says how many attempts were made.
 */
import { LakebenchError } from '../errors';
import type { NetworkSettings } from './network-settings';
import { ATTEMPTS, CLOCK_SKEW_CODES, type SdkFailure as SdkErrorShape } from './s3-retry';


const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'EPROTO', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);
/** Codes of a connection that was there and went away (rather than one that could not be made). */
const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);
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
  /** For the timeouts a timed-out request ran into. */
  settings?: NetworkSettings;
}

const seconds = (ms: number): string => `${ms >= 10_000 ? Math.round(ms / 1000) : Number((ms / 1000).toFixed(1))} s`;

/** Which timeout ended a request (S3Store's watchdog or the HTTP handler's message says), for the message. */
function timeoutDetail(e: SdkErrorShape, settings: NetworkSettings | undefined): string {
  const message = e.timeoutPhase === 'idle' ? 'inactivity' : e.timeoutPhase === 'first-byte' ? 'requestTimeout' : (e.message ?? '');
  if (/establish a connection/.test(message)) return `no connection within ${settings ? seconds(settings.connectTimeoutMs) : 'the connect timeout'}`;
  if (/requestTimeout/.test(message)) return `no answer within ${settings ? seconds(settings.firstByteTimeoutMs) : 'the first-byte timeout'}`;
  return `the connection went quiet for ${settings ? seconds(settings.idleTimeoutMs) : 'the idle timeout'}`;
}

/** How far this computer's clock is from the server's (its Date header), when the answer says. */
function clockSkewDetail(e: SdkErrorShape): string {
  const date = Date.parse(e.$response?.headers?.date ?? '');
  if (Number.isNaN(date)) return "this computer's clock is too far from the server's";
  const minutes = Math.round((Date.now() - date) / 60_000);
  return `this computer's clock is ${Math.abs(minutes)} minutes ${minutes >= 0 ? 'ahead of' : 'behind'} the server's`;
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
  const attempts = (e[ATTEMPTS] ?? 1) > 1 ? ` after ${e[ATTEMPTS]} attempts` : '';

  if (e.name === 'AbortError') return new LakebenchError('CANCELLED', `${action} was cancelled`, { object, cause });
  // The HTTP handler names a reset a TimeoutError too: the code tells them apart.
  const network = networkCode(e);
  if (network && DROPPED_CODES.has(network)) {
    return new LakebenchError('BAD_ENDPOINT', `cannot ${action}: endpoint ${endpoint} dropped the connection (${network})${attempts}`, { object, cause });
  }
  if (e.name === 'TimeoutError') {
    return new LakebenchError('IO', `cannot ${action}: ${endpoint} timed out (${timeoutDetail(e, context.settings)})${attempts}`, { object, cause });
  }
  if (network) return new LakebenchError('BAD_ENDPOINT', `cannot ${action}: endpoint ${endpoint} is unreachable (${network})${attempts}`, { object, cause });
  if (CLOCK_SKEW_CODES.has(code)) {
    return new LakebenchError('ACCESS_DENIED', `cannot ${action}: ${clockSkewDetail(e)} (${code}); set the clock right (enable network time)`, { object, cause });
  }
  // R2 answers 409 to a conditional write racing another on the same key.
  if (status === 409 && (code === 'ConditionalRequestConflict' || code === 'OperationAborted' || /conflict/i.test(code))) {
    return new LakebenchError('CONFLICT', `cannot ${action}: another write to this object was in progress (${code}, HTTP 409)`, { object, cause });
  }
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
  if (status !== undefined && status < 500 && e.Code === undefined && !context.bodiless) return notS3(context, `HTTP ${status}`, cause);
  const what = e.Code ?? (status !== undefined && status >= 500 ? 'server error' : e.name ?? 'error');
  const detail = e.message && e.message !== what && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  return new LakebenchError('IO', `cannot ${action}: ${what}${status ? ` (HTTP ${status})` : ''}${detail}${attempts}`, { object, cause });
}

/** The endpoint answered, but not like S3 (an HTML page, a proxy, another API). */
export function notS3(context: S3ErrorContext, detail: string, cause?: unknown): LakebenchError {
  return new LakebenchError(
    'BAD_ENDPOINT',
    `cannot ${context.action}: ${context.endpoint ?? 'AWS S3'} did not answer like an S3 service (${detail})`,
    { object: context.object, cause },
  );
}
