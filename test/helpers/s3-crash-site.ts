/**
 * The SIGKILL campaigns (crash-harness.ts) on S3: each working copy of a fixture is uploaded to its own
 * prefix of a bucket on the loopback S3 server (s3rver behind the conditional-write proxy), the killed
 * CLI runs work on `s3://…`, and the checks read it back — through this process's AWS_* variables, which
 * `useS3Site` points at the server's clean endpoint.
 */
import { S3Store } from '../../core/storage/s3';
import type { CrashSite } from './crash-harness';
import type { S3TestServer } from './s3server';
import { uploadFolder } from './upload-folder';

export function s3CrashSite(server: S3TestServer, bucket: string): CrashSite {
  const store = (prefix: string) => new S3Store({ client: server.cleanClient, bucket, prefix, urlScheme: 's3', endpoint: server.cleanEndpoint });
  return {
    async copy(fixture, name) {
      await uploadFolder(fixture, store(name));
      return `s3://${bucket}/${name}`;
    },
    async remove(location) {
      const copy = store(location.slice(`s3://${bucket}/`.length));
      for await (const info of copy.listAll('')) await copy.delete(info.key);
    },
    env: server.cleanEnv,
  };
}

/** Points this process's AWS_* variables (read by openLocation in the checks) at the server's clean endpoint. */
export function useS3Site(server: S3TestServer): void {
  Object.assign(process.env, server.cleanEnv);
}
