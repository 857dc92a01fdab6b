/** The S3 retry policy's decisions (core/storage/s3-retry.ts): what is retried, how long it waits. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_SETTINGS, networkSettingsFrom } from '../../core/storage/network-settings';
import { backoffMs, failureKind, retryAfterMs, withRetries } from '../../core/storage/s3-retry';

const service = (status: number, code: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(code), { name: code, Code: code, $metadata: { httpStatusCode: status }, $response: { headers } });

describe('the S3 retry policy', () => {
  it('retries timeouts, resets, bodies cut short, 5xx, throttling and clock skew; not the rest', () => {
    expect(failureKind(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(failureKind(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))).toBe('network');
    expect(failureKind(Object.assign(new Error('premature close: 10 of 20 bytes arrived'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }))).toBe('network');
    expect(failureKind(service(500, 'InternalError'))).toBe('server');
    expect(failureKind(service(503, 'SlowDown'))).toBe('throttled');
    expect(failureKind(service(429, 'TooManyRequests'))).toBe('throttled');
    expect(failureKind(service(400, 'RequestTimeout'))).toBe('server');
    expect(failureKind(service(403, 'RequestTimeTooSkewed'))).toBe('clock-skew');
    for (const final of [service(403, 'AccessDenied'), service(404, 'NoSuchKey'), service(412, 'PreconditionFailed'), Object.assign(new Error('x'), { name: 'AbortError' })]) {
      expect(failureKind(final)).toBe('final');
    }
  });

  it('honours Retry-After in seconds or as a date, capped by the longest wait', () => {
    expect(retryAfterMs(service(503, 'SlowDown', { 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(service(503, 'SlowDown', { 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(retryAfterMs(service(503, 'SlowDown', { 'x-amz-retry-after': '1500' }))).toBe(1500);
    expect(retryAfterMs(service(503, 'SlowDown'))).toBeUndefined();
    const settings = { ...DEFAULT_NETWORK_SETTINGS, maxDelayMs: 5000 };
    for (let i = 0; i < 50; i++) {
      expect(backoffMs(settings, 0, 'throttled', 3000)).toBeGreaterThanOrEqual(3000);
      expect(backoffMs(settings, 10, 'server', 60_000)).toBeLessThanOrEqual(5000);
      expect(backoffMs(settings, 2, 'server')).toBeLessThanOrEqual(settings.baseDelayMs * 4);
    }
  });

  it('makes at most maxAttempts attempts, and one more only once for clock skew', async () => {
    const settings = { ...DEFAULT_NETWORK_SETTINGS, maxAttempts: 3, baseDelayMs: 1 };
    let attempts = 0;
    await expect(withRetries({ operation: 'get', settings }, async () => {
      attempts++;
      throw service(500, 'InternalError');
    })).rejects.toThrow('InternalError');
    expect(attempts).toBe(3);
    attempts = 0;
    await expect(withRetries({ operation: 'get', settings }, async () => {
      attempts++;
      throw service(403, 'RequestTimeTooSkewed');
    })).rejects.toThrow('RequestTimeTooSkewed');
    expect(attempts).toBe(2);
  });

  it('reads its settings from the environment, refusing a bad value by name', () => {
    const settings = networkSettingsFrom({ LAKEBENCH_S3_IDLE_TIMEOUT: '5s', LAKEBENCH_S3_MAX_ATTEMPTS: '3', LAKEBENCH_S3_PART_SIZE: '1MB' });
    expect(settings).toMatchObject({ idleTimeoutMs: 5000, maxAttempts: 3, firstByteTimeoutMs: DEFAULT_NETWORK_SETTINGS.firstByteTimeoutMs });
    expect(settings.partSizeBytes).toBe(5 * 1024 * 1024); // S3's smallest part
    expect(() => networkSettingsFrom({ LAKEBENCH_S3_CONNECT_TIMEOUT: 'soon' })).toThrow(/LAKEBENCH_S3_CONNECT_TIMEOUT: not a duration/);
    expect(() => networkSettingsFrom({ LAKEBENCH_S3_MAX_ATTEMPTS: '0' })).toThrow(/LAKEBENCH_S3_MAX_ATTEMPTS/);
  });
});
