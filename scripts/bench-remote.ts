/**
 * `remote_warm_ratio`: the bench.ts aggregate over the 50-file query table on the loopback S3 server
 * with a warm cache ÷ the same on the local copy, each run opening the table and a fresh session as a
 * new query in the app does. Median over 9 alternating rounds. Also prints remote_cold_ms and the S3
 * requests one warm query makes (only the log: the data files come from the cache).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeltaTable } from '../core/formats/delta/table';
import { SqlSession } from '../core/sql/session';
import { FileCache } from '../core/storage/cache';
import type { LocalStore } from '../core/storage/local';
import { S3Store } from '../core/storage/s3';
import { networkStats } from '../core/storage/s3-retry';
import type { ObjectStore } from '../core/storage/types';
import { startS3Server } from '../test/helpers/s3server';
import { uploadFolder } from '../test/helpers/upload-folder';
import { compare, report, timed } from './bench-report';
import { AGGREGATE, makeQueryTable } from './bench-query-table';

const ROUNDS = 9;

async function benchRemote(work: string, local: LocalStore): Promise<void> {
  const server = await startS3Server();
  try {
    await server.createBucket('lake');
    const remote = new S3Store({ client: server.client, bucket: 'lake', prefix: 'query-table', urlScheme: 's3', endpoint: server.endpoint });
    await uploadFolder(path.join(work, 'query-table'), remote);
    const cache = new FileCache(path.join(work, 'cache'), 4 << 30);
    const run = async (store: ObjectStore, withCache?: FileCache) => {
      const session = await SqlSession.create(withCache ? { cache: withCache } : {});
      try {
        await session.registerDelta('t', await DeltaTable.open(store));
        await session.query(AGGREGATE('t'));
      } finally {
        session.close();
      }
    };
    report('remote_cold_ms', Math.round(await timed(() => run(remote, cache))), 'ms');
    const before = networkStats.requests;
    await run(remote, cache);
    report('remote_warm_requests', networkStats.requests - before, 'requests');
    const [warm, base] = await compare(ROUNDS, () => run(remote, cache), () => run(local));
    report('remote_warm_ms', Math.round(warm), 'ms');
    report('remote_local_ms', Math.round(base), 'ms');
    report('remote_warm_ratio', warm / base, 'ratio');
  } finally {
    await server.stop();
  }
}

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-remote-'));
try {
  console.error(`bench: working in ${work} (${os.cpus().length} cores)`);
  await benchRemote(work, await makeQueryTable(work));
} finally {
  await rm(work, { recursive: true, force: true });
}
