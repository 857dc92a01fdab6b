/**
 * Multipart upload of a local file: parts read from the file at their offsets (so a retry re-reads its
 * part: no stream that cannot be replayed), a few in flight, each retried on its own; the upload is
 * aborted when it fails, so no incomplete upload is left to pay for (those a killed process leaves are
 * listed by `orphans` and aborted by `vacuum`).
 *
 * Written here rather than with @aws-sdk/lib-storage: its parts are retried only by the SDK's retry
 * middleware, which Lakebench turns off for its own policy (s3-retry.ts), and it cannot tell a completion
 * whose answer was lost (a retried CompleteMultipartUpload answers NoSuchUpload) from a failed one; here
 * the object is looked at before a completion is sent again. Uploads go to fresh keys (data files are
 * named once), so an object of the file's size there is this upload's.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { open } from 'node:fs/promises';
import { mapWithConcurrency } from './concurrency';
import type { NetworkSettings } from './network-settings';
import { withRetries } from './s3-retry';

/** Parts in flight: enough to fill a link, few enough to hold in memory (4 × part size). */
const PART_CONCURRENCY = 4;

export interface MultipartUpload {
  client: S3Client;
  bucket: string;
  /** The object key in the bucket. */
  key: string;
  file: string;
  size: number;
  settings: NetworkSettings;
  signal?: AbortSignal;
  /** Runs one request sending `bytes` under the store's timeouts and the job's signal (S3Store.exchange). */
  exchange<T>(bytes: number, run: (http: { abortSignal: AbortSignal; requestTimeout: number }) => Promise<T>): Promise<T>;
  /** The object's size now, or undefined when absent (settles a completion whose answer was lost). */
  sizeOf(): Promise<number | undefined>;
}

export async function uploadInParts(upload: MultipartUpload): Promise<void> {
  const { client, bucket, key, settings, signal } = upload;
  const retried = <T>(operation: string, attempt: () => Promise<T>) => withRetries({ operation, settings, signal }, attempt);
  const created = await retried('multipart-create', () =>
    upload.exchange(0, (http) => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }), http)),
  );
  const uploadId = created.UploadId!;
  try {
    const parts = await uploadParts(upload, uploadId);
    let sent = false;
    await retried('multipart-complete', async () => {
      // An earlier attempt may have completed the upload and lost its answer (a repeat then fails with
      // NoSuchUpload on S3, or anything else elsewhere): the object there, whole, under this fresh key, says so.
      if (sent && (await upload.sizeOf()) === upload.size) return;
      sent = true;
      await upload.exchange(0, (http) =>
        client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), http),
      );
    });
  } catch (e) {
    // Best effort, even after a cancel (a request of its own, bounded by the timeouts): what is left is
    // listed by `orphans` and aborted by `vacuum`.
    await withRetries({ operation: 'multipart-abort', settings }, () =>
      client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), { requestTimeout: settings.firstByteTimeoutMs }),
    ).catch(() => undefined);
    throw e;
  }
}

async function uploadParts(upload: MultipartUpload, uploadId: string): Promise<CompletedPart[]> {
  const { client, bucket, key, size, settings, signal } = upload;
  const partSize = settings.partSizeBytes;
  const count = Math.max(1, Math.ceil(size / partSize));
  const handle = await open(upload.file, 'r');
  try {
    return await mapWithConcurrency(
      Array.from({ length: count }, (_, i) => i),
      PART_CONCURRENCY,
      async (index): Promise<CompletedPart> => {
        const offset = index * partSize;
        const length = Math.min(partSize, size - offset);
        const body = Buffer.alloc(length);
        const { bytesRead } = await handle.read(body, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${upload.file} changed size while it was being uploaded`);
        const answer = await withRetries({ operation: 'upload-part', settings, signal }, () =>
          upload.exchange(length, (http) =>
            client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: index + 1, Body: body, ContentLength: length }), http),
          ),
        );
        return { PartNumber: index + 1, ETag: answer.ETag };
      },
    );
  } finally {
    await handle.close();
  }
}
