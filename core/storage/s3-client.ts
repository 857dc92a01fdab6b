/**
 * The one place S3 clients are configured, so the CLI, the app and the tests talk to buckets the
 * same way: the SDK's standard retry strategy (exponential backoff with full jitter on throttling,
 * 5xx and network errors), path-style addressing for custom endpoints, and checksums only where an
 * operation requires them (R2, MinIO and older S3-compatible servers reject aws-chunked trailers).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface S3ClientSettings {
  /** Custom endpoint (R2, MinIO, a test server); undefined = AWS. */
  endpoint?: string;
  region: string;
  /** Explicit credentials; otherwise the standard chain (env variables, then `profile`, SSO, IMDS …). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  maxAttempts?: number;
}

export function createS3Client(settings: S3ClientSettings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.endpoint !== undefined,
    credentials: settings.credentials ?? fromNodeProviderChain({ profile: settings.profile }),
    maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
