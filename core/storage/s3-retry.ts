/**
 * The one retry policy of every S3 request (the SDK's own retries are off: see s3-client.ts). A request
 * here is the whole exchange — the answer's body included — so a body that breaks midway is retried
 * like a reset, which the SDK cannot do once it has handed the body over. Which failures are retried:
 * timeouts, resets and refused connections, 5xx, 429 and the throttling codes, and a clock-skew answer
 * once (the SDK corrects its clock offset from the server's Date when it sees one). Waits use full
 * jitter on an exponential base (as the AWS SDKs do), at least what a Retry-After header asks.
 *
 * Conditional writes are never retried here: whether one landed is decided by reading the object back
 * (conditional-write.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NetworkSettings } from './network-settings';

/** Attempts made before a request gave up: its error carries it, for the message. */
export const ATTEMPTS = Symbol('lakebench.attempts');

/** What the SDK puts on service and network errors, and Node on stream errors (only the fields read here and in s3-errors.ts). */
export interface SdkFailure {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  Region?: string;
  errors?: { code?: string }[];
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
  [ATTEMPTS]?: number;
  /** Set by S3Store's watchdog on the TimeoutError it throws. */
  timeoutPhase?: 'first-byte' | 'idle';
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);
const THROTTLING_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
]);
/** S3's 400 for a connection that went quiet mid-request: the request is fine, the link was not. */
const TRANSIENT_CODES = new Set(['RequestTimeout', 'InternalError', 'ServiceUnavailable']);
export const CLOCK_SKEW_CODES = new Set(['RequestTimeTooSkewed', 'RequestExpired', 'RequestInTheFuture', 'InvalidSignatureException']);

/** Throttling waits start from a 5× larger base, as the AWS SDKs' standard mode does (500 ms against 100 ms). */
const THROTTLING_BASE_FACTOR = 5;

export type FailureKind = 'timeout' | 'network' | 'throttled' | 'server' | 'clock-skew' | 'final';

const shapeOf = (error: unknown): SdkFailure => (error ?? {}) as SdkFailure;

export function statusOf(error: unknown): number | undefined {
  return shapeOf(error).$metadata?.httpStatusCode;
}

/** The error a request died of when it was cut short by the caller (Ctrl-C, a deadline): never retried. */
export function isAbort(error: unknown): boolean {
  return shapeOf(error).name === 'AbortError';
}

/** Why a request failed, as far as retrying goes. */
export function failureKind(error: unknown): FailureKind {
  const e = shapeOf(error);
  if (isAbort(error)) return 'final';
  if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') return 'timeout';
  const code = e.Code ?? e.name ?? '';
  if (THROTTLING_CODES.has(code) || statusOf(error) === 429) return 'throttled';
  if (CLOCK_SKEW_CODES.has(code)) return 'clock-skew';
  const status = statusOf(error);
  if (TRANSIENT_CODES.has(code) || (status !== undefined && status >= 500) || status === 408) return 'server';
  const codes = [e.code, ...(e.errors ?? []).map((inner) => inner.code)];
  if (codes.some((c) => c !== undefined && TRANSIENT_NETWORK_CODES.has(c))) return 'network';
  // A body that ended early: Node says "aborted" or "premature close"; the SDK's parser then fails on half a document.
  if (status === undefined && /aborted|premature close|socket hang up|other side closed/i.test(e.message ?? '')) return 'network';
  if (status !== undefined && status < 300 && /Deserialization error|char '?'|Unexpected end|unclosed/i.test(e.message ?? '')) return 'network';
  return 'final';
}

/** The wait a Retry-After header (seconds or an HTTP date) or AWS's x-amz-retry-after (milliseconds) asks for, if any. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  const headers = shapeOf(error).$response?.headers;
  const amz = Number(headers?.['x-amz-retry-after']);
  if (headers?.['x-amz-retry-after'] !== undefined && Number.isFinite(amz)) return Math.max(0, amz);
  const value = headers?.['retry-after'];
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Requests and retries of this process, by operation (printed by the CLI with LAKEBENCH_DEBUG). */
export interface NetworkStats {
  requests: number;
  retries: Record<string, number>;
  /** Retries by why the attempt before failed. */
  causes: Partial<Record<FailureKind, number>>;
}

export const networkStats: NetworkStats = { requests: 0, retries: {}, causes: {} };

export interface RetryContext {
  /** `get`, `list`, `put`, `upload-part` …: the key of the stats. */
  operation: string;
  signal?: AbortSignal;
  settings: NetworkSettings;
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the attempts are used up; the last error is thrown
 * with the number of attempts under ATTEMPTS. `attempt` gets its 0-based number.
 */
export async function withRetries<T>(context: RetryContext, attempt: (n: number) => Promise<T>): Promise<T> {
  const { settings, signal } = context;
  let skewRetried = false;
  for (let n = 0; ; n++) {
    networkStats.requests++;
    try {
      return await attempt(n);
    } catch (error) {
      const kind = failureKind(error);
      const last = n + 1 >= settings.maxAttempts || (kind === 'clock-skew' && skewRetried);
      if (kind === 'final' || last || signal?.aborted) {
        if (error !== null && typeof error === 'object') Object.assign(error, { [ATTEMPTS]: n + 1 });
        throw error;
      }
      if (kind === 'clock-skew') skewRetried = true;
      networkStats.retries[context.operation] = (networkStats.retries[context.operation] ?? 0) + 1;
      networkStats.causes[kind] = (networkStats.causes[kind] ?? 0) + 1;
      await sleep(backoffMs(settings, n, kind, retryAfterMs(error)), undefined, { signal }).catch(() => undefined);
    }
  }
}

/** Full jitter on an exponential base, never less than a Retry-After asks, never more than maxDelayMs. */
export function backoffMs(settings: NetworkSettings, retry: number, kind: FailureKind, retryAfter?: number): number {
  const base = kind === 'throttled' ? settings.baseDelayMs * THROTTLING_BASE_FACTOR : settings.baseDelayMs;
  const jitter = Math.random() * Math.min(settings.maxDelayMs, base * 2 ** retry);
  return Math.min(settings.maxDelayMs, Math.max(jitter, retryAfter ?? 0));
}
