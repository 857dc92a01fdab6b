/**
 * Signature V4 verification for the test S3 proxy. s3rver 3.7.1 checks only the access key id of
 * V4 requests ("Signature version 4 calculation is unimplemented"), so a wrong secret would pass;
 * real S3, R2 and MinIO answer 403 SignatureDoesNotMatch. We recompute the signature with the SDK's
 * own signer (@smithy/signature-v4, which @aws-sdk/client-s3 uses) over the headers the client
 * declared as signed, and compare.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SourceData } from '@smithy/types';

function toBytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** The hash interface the signer expects, over node:crypto. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/;

/** `20260102T030405Z` → Date. */
function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : new Date(NaN);
}

/**
 * False when the request is V4-signed with `credentials.accessKeyId` but the signature does not
 * match `credentials.secretAccessKey`. Other requests (anonymous, other key ids) are left to s3rver.
 */
export async function hasValidSignature(
  req: IncomingMessage,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<boolean> {
  const m = AUTHORIZATION.exec(req.headers.authorization ?? '');
  if (!m || m[1] !== credentials.accessKeyId) return true;
  const [, , region, service, signedHeaderList, signature] = m;
  const headers: Record<string, string> = {};
  for (const name of signedHeaderList!.split(';')) headers[name] = String(req.headers[name] ?? '');
  const url = new URL(req.url ?? '/', 'http://proxy');
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;

  const signer = new SignatureV4({ credentials, region: region!, service: service!, sha256: NodeSha256, uriEscapePath: false });
  const signed = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: url.hostname, path: url.pathname, query, headers },
    { signingDate: parseAmzDate(headers['x-amz-date'] ?? '') },
  );
  return String(signed.headers.authorization ?? '').endsWith(`Signature=${signature}`);
}
