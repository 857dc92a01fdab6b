/**
 * `remote_compact_ratio` (bench-compact.ts runs it): compactTable of the 2,000-file table on the loopback
 * S3 server ÷ the same compaction of a local copy, measured in the same run. Every round works on fresh
 * copies (uploaded under a new prefix, copied on disk) made outside the timing; the two alternate so load
 * drift hits both, and the medians are compared. The remote run goes through the bin pipeline: downloads,
 * rewrites and uploads overlap within the scratch limit (the default, 4 GB, holds this table whole;
 * `remote_compact_scratch_mb` reports what it held at most). The server runs in a child process, as a real
 * endpoint runs off the client's CPU: in this process its JS work would queue behind the engine's.
 *
 * Run alone: `tsx scripts/bench-compact-remote.ts [rounds]` builds the table itself (default 3 rounds).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compactTable, type CompactOptions, type CompactResult } from '../core/ops/compact';
import { LocalStore } from '../core/storage/local';
import { S3Store } from '../core/storage/s3';
import { startS3ServerProcess } from '../test/helpers/s3server-process';
import { uploadFolder } from '../test/helpers/upload-folder';
import { median, report, timed } from './bench-report';
import { makeTable, TARGET_SIZE } from './bench-compact-table';

const DEFAULT_ROUNDS = 3;

export async function benchRemoteCompact(work: string, pristineTable: string, options: CompactOptions, rounds = DEFAULT_ROUNDS): Promise<void> {
  const server = await startS3ServerProcess({ conditionalWrites: true });
  try {
    await server.createBucket('lake');
    const remoteTimes: number[] = [];
    const localTimes: number[] = [];
    let scratch = 0;
    for (let round = 0; round < rounds; round++) {
      const remote = new S3Store({ client: server.client, bucket: 'lake', prefix: `round-${round}`, urlScheme: 's3', endpoint: server.endpoint });
      await uploadFolder(pristineTable, remote);
      const copy = path.join(work, `remote-baseline-${round}`);
      await cp(pristineTable, copy, { recursive: true });
      const local = new LocalStore(copy);
      const results: CompactResult[] = [];
      remoteTimes.push(await timed(async () => results.push(await compactTable(remote, options))));
      localTimes.push(await timed(async () => results.push(await compactTable(local, options))));
      const [remoteResult, localResult] = results as [CompactResult, CompactResult];
      if (remoteResult.filesAdded !== localResult.filesAdded || remoteResult.filesRemoved !== localResult.filesRemoved) {
        throw new Error(`the remote compaction replaced ${remoteResult.filesRemoved} files by ${remoteResult.filesAdded}, the local one ${localResult.filesRemoved} by ${localResult.filesAdded}`);
      }
      scratch = Math.max(scratch, remoteResult.scratchHighWaterBytes ?? 0);
      await rm(copy, { recursive: true });
      const keys: string[] = [];
      for await (const object of remote.listAll('')) keys.push(object.key);
      await remote.deleteMany(keys); // s3rver keeps objects on disk: a round's 400 MB go before the next
    }
    report('remote_compact_ms', Math.round(median(remoteTimes)), 'ms');
    report('remote_compact_local_ms', Math.round(median(localTimes)), 'ms');
    report('remote_compact_scratch_mb', Math.round(scratch / 1e6), 'MB');
    report('remote_compact_ratio', median(remoteTimes) / median(localTimes), 'ratio');
  } finally {
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-compact-remote-'));
  try {
    await makeTable(path.join(work, 'pristine'));
    await benchRemoteCompact(work, path.join(work, 'pristine', 'table'), { targetSize: TARGET_SIZE, minFiles: 2 }, Number(process.argv[2] ?? DEFAULT_ROUNDS));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
