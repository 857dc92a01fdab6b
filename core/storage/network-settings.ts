/**
 * How Lakebench talks to S3-compatible services: per-request timeouts, the retry budget and when
 * uploads go multipart. Defaults suit a laptop on a home or office link; each can be changed with an
 * environment variable (durations like `30s`, sizes like `64MB`), read once per process.
 *
 * | setting            | variable                           | default |
 * |--------------------|------------------------------------|---------|
 * | connect timeout    | LAKEBENCH_S3_CONNECT_TIMEOUT       | 10s     |
 * | first-byte timeout | LAKEBENCH_S3_FIRST_BYTE_TIMEOUT    | 30s     |
 * | idle timeout       | LAKEBENCH_S3_IDLE_TIMEOUT          | 30s     |
 * | attempts           | LAKEBENCH_S3_MAX_ATTEMPTS          | 6       |
 * | multipart from     | LAKEBENCH_S3_MULTIPART_THRESHOLD   | 64MB    |
 * | part size          | LAKEBENCH_S3_PART_SIZE             | 16MB    |
 */
import { LakebenchError } from '../errors';
import { parseDuration, parseSize } from '../units';

export interface NetworkSettings {
  /** Time to open a connection (TCP + TLS). */
  connectTimeoutMs: number;
  /**
   * Time from sending a request to the first byte of its answer. An upload's allowance grows with
   * its size (see uploadAllowanceMs), so a slow uplink is not mistaken for a dead server.
   */
  firstByteTimeoutMs: number;
  /** Longest silence on a connection while a request or answer is under way (a stalled body). */
  idleTimeoutMs: number;
  /** Attempts per request (the first one included) before giving up with an error. */
  maxAttempts: number;
  /** Base of the exponential backoff; the n-th retry waits a random time up to base·2ⁿ (capped). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Files from this size up are uploaded in parts, each retried on its own. */
  multipartThresholdBytes: number;
  partSizeBytes: number;
}

export const DEFAULT_NETWORK_SETTINGS: NetworkSettings = {
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  maxAttempts: 6,
  baseDelayMs: 100,
  maxDelayMs: 20_000,
  multipartThresholdBytes: 64 * 1024 * 1024,
  partSizeBytes: 16 * 1024 * 1024,
};

/** The slowest uplink an upload's first-byte allowance assumes: 64 KiB/s. */
const SLOWEST_UPLINK_BYTES_PER_MS = 64;

/** The first-byte timeout of a request that sends `bodyBytes`: the time to send them at the slowest uplink on top. */
export const uploadAllowanceMs = (settings: NetworkSettings, bodyBytes: number): number =>
  settings.firstByteTimeoutMs + Math.ceil(bodyBytes / SLOWEST_UPLINK_BYTES_PER_MS);

const VARIABLES: { [K in keyof NetworkSettings]?: { name: string; parse: (text: string) => number } } = {
  connectTimeoutMs: { name: 'LAKEBENCH_S3_CONNECT_TIMEOUT', parse: parseDuration },
  firstByteTimeoutMs: { name: 'LAKEBENCH_S3_FIRST_BYTE_TIMEOUT', parse: parseDuration },
  idleTimeoutMs: { name: 'LAKEBENCH_S3_IDLE_TIMEOUT', parse: parseDuration },
  maxAttempts: { name: 'LAKEBENCH_S3_MAX_ATTEMPTS', parse: attempts },
  multipartThresholdBytes: { name: 'LAKEBENCH_S3_MULTIPART_THRESHOLD', parse: parseSize },
  partSizeBytes: { name: 'LAKEBENCH_S3_PART_SIZE', parse: parseSize },
};

function attempts(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new LakebenchError('USAGE', `not a number of attempts: "${text}" (a whole number ≥ 1)`, { object: text });
  return n;
}

/** S3 refuses parts under 5 MiB (but the last). */
const MIN_PART_BYTES = 5 * 1024 * 1024;

/** The defaults with whatever the environment overrides; a bad value is a usage error naming the variable. */
export function networkSettingsFrom(env: NodeJS.ProcessEnv, overrides: Partial<NetworkSettings> = {}): NetworkSettings {
  const settings = { ...DEFAULT_NETWORK_SETTINGS };
  for (const [field, variable] of Object.entries(VARIABLES) as [keyof NetworkSettings, { name: string; parse: (text: string) => number }][]) {
    const text = env[variable.name];
    if (text === undefined || text === '') continue;
    try {
      settings[field] = variable.parse(text);
    } catch (e) {
      throw new LakebenchError('USAGE', `${variable.name}: ${(e as Error).message}`, { object: variable.name });
    }
  }
  return withOverrides(settings, overrides);
}

function withOverrides(settings: NetworkSettings, overrides: Partial<NetworkSettings>): NetworkSettings {
  const merged = { ...settings, ...overrides };
  return { ...merged, partSizeBytes: Math.max(MIN_PART_BYTES, merged.partSizeBytes) };
}

let fromEnvironment: NetworkSettings | undefined;

/** The process's settings (the environment read on first use). */
export function networkSettings(overrides: Partial<NetworkSettings> = {}): NetworkSettings {
  fromEnvironment ??= networkSettingsFrom(process.env);
  return withOverrides(fromEnvironment, overrides);
}
