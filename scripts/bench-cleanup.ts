/**
 * `tsx scripts/bench-cleanup.ts`: the cost of the cleanup ops on a long log on loopback S3, printed as
 * `BENCH <name> <value> <unit>`. The table: 1,000 versions with a checkpoint every 10 (the newest at 990),
 * each version adding a file and every second one removing the one before (test/helpers/long-log.ts).
 *
 *   orphans_requests        requests of an orphan report (goal: a listing of the table, the newest
 *                           checkpoint and the commits after it — not one GET per retained commit)
 *   orphans_listing_ratio   its time ÷ one plain listing of the table in the same run (medians): the work
 *                           beyond listing what is there
 *   vacuum_requests         requests of a vacuum deleting the 499 tombstoned files (goal ≤ 60)
 *   expire_requests         requests of an expire deleting the log before the latest version
 */
import { networkStats } from '../core/storage/s3-retry';
import { S3Store } from '../core/storage/s3';
import { findOrphans } from '../core/ops/orphans';
import { vacuumTable } from '../core/ops/vacuum';
import { expireLog } from '../core/ops/expire';
import { writeLongLog } from '../test/helpers/long-log';
import { DAY } from '../test/helpers/maintenance-table';
import { startS3Server } from '../test/helpers/s3server';
import { compare, report } from './bench-report';

const VERSIONS = 1000;
const CHECKPOINT_EVERY = 10;
const ROUNDS = 7;

async function requestsOf(run: () => Promise<unknown>): Promise<number> {
  const before = networkStats.requests;
  await run();
  return networkStats.requests - before;
}

const server = await startS3Server();
try {
  await server.createBucket('lake');
  const options = { bucket: 'lake', prefix: 'long', urlScheme: 's3' as const };
  const setup = new S3Store({ client: server.cleanClient, ...options });
  const log = await writeLongLog(setup, { versions: VERSIONS, checkpointEvery: CHECKPOINT_EVERY, dataFile: new Uint8Array(512), time: Date.now() - 60 * DAY });
  const store = new S3Store({ client: server.client, ...options, endpoint: server.endpoint });
  console.error(`bench-cleanup: ${VERSIONS} versions, checkpoints up to ${log.checkpoints.at(-1)}, ${log.removed.length} tombstoned files`);

  report('orphans_requests', await requestsOf(() => findOrphans(store, { olderThanMs: 0 })), 'requests');
  const listing = async () => {
    for await (const info of store.listAll('')) void info;
  };
  const [orphansMs, listingMs] = await compare(ROUNDS, () => findOrphans(store, { olderThanMs: 0 }), listing);
  report('orphans_listing_ratio', orphansMs / listingMs, 'x');

  let deleted = 0;
  report('vacuum_requests', await requestsOf(async () => (deleted = (await vacuumTable(store, { now: Date.now() + DAY })).deleted.length)), 'requests');
  if (deleted !== log.removed.length) throw new Error(`vacuum deleted ${deleted} files, not the ${log.removed.length} tombstoned ones`);
  report('expire_requests', await requestsOf(() => expireLog(store, { now: Date.now() + 31 * DAY })), 'requests');
} finally {
  await server.stop();
}
