/**
 * The one place S3 clients are configured, so the CLI, the app and the tests talk to buckets the
 * same way: path-style addressing for custom endpoints, checksums only where an operation requires
 * them (R2, MinIO and older S3-compatible servers reject aws-chunked trailers), and the connection
 * and idle timeouts of network-settings.ts (the first-byte timeout is set per request by S3Store).
 *
 * The SDK's own retries are off (one attempt): S3Store retries every request under one policy
 * (s3-retry.ts) that also covers bodies breaking midway and uploads, and never blindly re-sends a
 * conditional write — an SDK retry of one would turn our own landed commit into a 412.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { networkSettings, type NetworkSettings } from './network-settings';

export const DEFAULT_REGION = 'us-east-1';

export interface S3ClientSettings {
  /** Custom endpoint (R2, MinIO, a test server); undefined = AWS. */
  endpoint?: string;
  region: string;
  /** Explicit credentials; otherwise the standard chain (env variables, then `profile`, SSO, IMDS …). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  network?: Partial<NetworkSettings>;
}

export function createS3Client(settings: S3ClientSettings): S3Client {
  const network = networkSettings(settings.network);
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.endpoint !== undefined,
    credentials: settings.credentials ?? fromNodeProviderChain({ profile: settings.profile }),
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Options of the SDK's NodeHttpHandler: requestTimeout ends at the answer's headers (first byte),
    // socketTimeout is the idle timeout (it also ends a body that stalls).
    requestHandler: {
      connectionTimeout: network.connectTimeoutMs,
      requestTimeout: network.firstByteTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: network.idleTimeoutMs,
    },
  });
}
