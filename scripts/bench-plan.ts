/**
 * `tsx scripts/bench-plan.ts`: how long the dry runs (plans) of the maintenance ops take on a Delta table
 * of 2,000 files (20 day partitions, 200 commits, checkpointed at 100), printed as `BENCH <name> <value> <unit>`:
 *
 *   plan_<op>_ms        the median dry run of one op (compact, compact --where, repack --recompress,
 *                       repack --purge-where, vacuum, orphans, expire)
 *   plan_ms             the slowest of them (goal ≤ 1,000 ms: a plan reads metadata and footers only)
 *   plan_listing_ratio  plan_ms ÷ one listing of the table's files in the same run (medians): what a plan
 *                       costs beyond finding what is there
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compactTable } from '../core/ops/compact';
import { expireLog } from '../core/ops/expire';
import { findOrphans } from '../core/ops/orphans';
import { repackTable } from '../core/ops/repack';
import { vacuumTable } from '../core/ops/vacuum';
import { LocalStore } from '../core/storage/local';
import { writeBigDeltaTable, type BigTableShape } from '../test/helpers/big-delta-table';
import { median, report, timed } from './bench-report';

const SHAPE: BigTableShape = { files: 2000, commits: 200, checkpointInterval: 100, days: 20, partRows: 10_000, dataDays: Array.from({ length: 20 }, (_, d) => d) };
const ROUNDS = 3;
const DAY = 86_400_000;

const dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-plan-'));
try {
  console.error(`bench-plan: writing the table (${Math.round(await timed(() => writeBigDeltaTable(dir, SHAPE)))} ms)`);
  const store = new LocalStore(dir);
  const plans: Record<string, () => Promise<unknown>> = {
    compact: () => compactTable(store, { targetSize: 128 << 20, minFiles: 2, dryRun: true }),
    compact_where: () => compactTable(store, { targetSize: 128 << 20, minFiles: 2, where: "day >= '2024-01-10'", dryRun: true }),
    repack_recompress: () => repackTable(store, { recompressLevel: 9, dryRun: true }),
    repack_purge_where: () => repackTable(store, { purgeWhere: 'id = 1', dryRun: true }),
    vacuum: () => vacuumTable(store, { dryRun: true, now: Date.now() + 8 * DAY }),
    orphans: () => findOrphans(store, { olderThanMs: 0 }),
    expire: () => expireLog(store, { dryRun: true, now: Date.now() + 31 * DAY }),
  };
  const listing = async () => {
    for await (const info of store.listAll('')) void info;
  };
  console.error(`bench-plan: ${SHAPE.files} files in ${SHAPE.days} partitions, ${SHAPE.commits} commits`);
  const times: Record<string, number[]> = { listing: [] };
  for (const name of Object.keys(plans)) times[name] = [];
  // Every op and the baseline once per round, alternating, so load drift hits them all alike.
  await listing();
  for (const [name, run] of Object.entries(plans)) console.error(`bench-plan: first ${name} plan ${Math.round(await timed(run))} ms`);
  for (let round = 0; round < ROUNDS; round++) {
    times.listing!.push(await timed(listing));
    for (const [name, run] of Object.entries(plans)) times[name]!.push(await timed(run));
  }
  const planMs = Object.keys(plans).map((name) => {
    const ms = median(times[name]!);
    report(`plan_${name}_ms`, Math.round(ms), 'ms');
    return ms;
  });
  const slowest = Math.max(...planMs);
  report('plan_ms', Math.round(slowest), 'ms');
  report('plan_listing_ratio', slowest / median(times.listing!), 'x');
} finally {
  await rm(dir, { recursive: true, force: true });
}
