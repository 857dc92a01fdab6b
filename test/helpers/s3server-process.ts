/**
 * The loopback S3 server of s3server.ts in a child process, for benches: s3rver, the proxy and its
 * signature checks then run on a thread of their own instead of competing with the engine measured on
 * this process's one JS thread — as a real S3 endpoint does not share the client's CPU. Tests keep the
 * in-process server (they inspect its requests and inject faults).
 *
 * Run as a script, this file is the child: it starts the server, prints its endpoint as one JSON line
 * and stops it when its stdin closes (the parent ended, or asked).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../core/storage/s3-client';
import { startS3Server, type S3ServerOptions } from './s3server';

export interface S3ServerProcess {
  endpoint: string;
  /** A client configured like openLocation's, pointed at `endpoint`. */
  client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

interface ChildReady {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export async function startS3ServerProcess(options: S3ServerOptions = {}): Promise<S3ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<ChildReady>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as ChildReady));
    child.once('exit', (code) => reject(new Error(`the S3 server process ended (${code}) before it was ready`)));
  });
  const client = createS3Client({ endpoint: ready.endpoint, region: ready.region, credentials: ready.credentials });
  return {
    endpoint: ready.endpoint,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop() {
      client.destroy();
      child.stdin.end();
      await exited;
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startS3Server(JSON.parse(process.argv[2] ?? '{}') as S3ServerOptions);
  const ready: ChildReady = { endpoint: server.endpoint, region: server.region, credentials: server.credentials };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => void server.stop().then(() => process.exit(0)));
}
