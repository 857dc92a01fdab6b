/**
 * `npm run soak`: the campaigns of test/crash and test/faults at length, two at a time, printing a
 * summary of each; exit 1 when any broke an invariant (its message names the seed to replay with).
 * - SIGKILL campaigns (compact, compact-staging, repack, vacuum, des repack, Iceberg compact, expire and
 *   vacuum): 250 kills per op on local folders and again on a loopback S3 server; on a deletion-vector
 *   table (compact, repack --purge) and Iceberg append: 250 locally (replay: CRASH_SEED=<seed>;
 *   SOAK_KILLS=<n> per op);
 * - network fault campaigns: 1,000 operations at each of 2, 5 and 10% fault rates, with longer latency
 *   faults than the suite (replay: CAMPAIGN_SEED=<seed>; SOAK_FAULT_OPS=<n> per rate).
 * SOAK_ONLY=crash|faults runs one family.
 */
import { buildPrivateCli } from '../test/helpers/crash-cli';
import { campaignSeed, formatSummary, runCrashCampaign, type CrashScenario } from '../test/helpers/crash-harness';
import { desRepackScenario } from '../test/helpers/crash-des';
import { compactDvScenario, CRASH_SCENARIOS, repackDvScenario } from '../test/helpers/crash-scenarios';
import { icebergAppendScenario } from '../test/helpers/crash-iceberg-append';
import { icebergExpireScenario, icebergVacuumScenario } from '../test/helpers/crash-iceberg-cleanup';
import { icebergCompactScenario } from '../test/helpers/crash-iceberg';
import { formatCampaign, runFaultCampaign } from '../test/helpers/fault-campaign';
import { s3CrashSite, useS3Site } from '../test/helpers/s3-crash-site';
import { startS3Server, type S3TestServer } from '../test/helpers/s3server';

/** Run locally and on S3; the suite runs the same scenarios with fewer kills. */
const SCENARIOS: CrashScenario[] = [...CRASH_SCENARIOS, desRepackScenario, icebergCompactScenario, icebergExpireScenario, icebergVacuumScenario];
/** Run locally only: the suite has no S3 campaign of these. */
const LOCAL_SCENARIOS: CrashScenario[] = [compactDvScenario, repackDvScenario, icebergAppendScenario];
const KILLS = Number(process.env.SOAK_KILLS ?? 250);
const FAULT_OPS = Number(process.env.SOAK_FAULT_OPS ?? 1000);
const FAULT_RATES = [0.02, 0.05, 0.1];
const ONLY = process.env.SOAK_ONLY;
/** Campaigns in parallel: the CI and dev machines have two cores. */
const PARALLEL = 2;

const cli = await buildPrivateCli();
const began = performance.now();
let failed = 0;
let crashServer: S3TestServer | undefined;

type Job = { name: string; run: () => Promise<string> };
const jobs: Job[] = [];
if (ONLY !== 'faults') {
  crashServer = await startS3Server({ conditionalWrites: true });
  await crashServer.createBucket('crash');
  useS3Site(crashServer);
  const site = s3CrashSite(crashServer, 'crash');
  for (const scenario of [...SCENARIOS, ...LOCAL_SCENARIOS]) {
    const seed = campaignSeed();
    jobs.push({ name: scenario.name, run: async () => formatSummary(await runCrashCampaign(scenario, { kills: KILLS, seed, launcher: cli.launcher, log: console.log })) });
    if (LOCAL_SCENARIOS.includes(scenario)) continue;
    jobs.push({
      name: `${scenario.name} on S3`,
      run: async () => `on S3: ${formatSummary(await runCrashCampaign(scenario, { kills: KILLS, seed, launcher: cli.launcher, log: console.log, site }))}`,
    });
  }
}
if (ONLY !== 'crash') {
  for (const rate of FAULT_RATES) {
    const seed = process.env.CAMPAIGN_SEED ? Number(process.env.CAMPAIGN_SEED) : Math.floor(Math.random() * 2 ** 31);
    jobs.push({
      name: `network faults ${Math.round(rate * 100)}%`,
      run: async () => {
        const result = await runFaultCampaign({ rate, operations: FAULT_OPS, seed, launcher: cli.launcher, timeout: '2s', latencyMs: 1000, log: console.log });
        if (result.dirty.length) throw new Error(formatCampaign(result));
        return formatCampaign(result);
      },
    });
  }
}

async function worker(): Promise<void> {
  for (let job: Job | undefined; (job = jobs.shift()); ) {
    try {
      console.log(await job.run());
    } catch (e) {
      failed++;
      console.error(`FAILED ${job.name}: ${(e as Error).message}`);
    }
  }
}

const total = jobs.length;
try {
  await Promise.all(Array.from({ length: PARALLEL }, worker));
} finally {
  await cli.remove();
  await crashServer?.stop();
}
console.log(`soak: ${total} campaigns in ${((performance.now() - began) / 1000).toFixed(0)} s; ${failed} failed`);
process.exitCode = failed ? 1 : 0;
