/**
 * `npm run soak`: the crash campaigns of test/crash at length — 250 SIGKILLs per op (compact,
 * compact-staging, repack, vacuum, des repack …), two ops at a time — printing a summary per op and
 * phase. Exit 1 when any campaign broke an invariant (its error names the seed to replay with
 * CRASH_SEED=<seed>). SOAK_KILLS=<n> changes the kills per op.
 */
import { buildPrivateCli } from '../test/helpers/crash-cli';
import { campaignSeed, formatSummary, runCrashCampaign, type CrashScenario } from '../test/helpers/crash-harness';
import { desRepackScenario } from '../test/helpers/crash-des';
import { CRASH_SCENARIOS } from '../test/helpers/crash-scenarios';

const SCENARIOS = [...CRASH_SCENARIOS, desRepackScenario];

const KILLS = Number(process.env.SOAK_KILLS ?? 250);
/** Campaigns in parallel: the CI and dev machines have two cores. */
const PARALLEL = 2;

const cli = await buildPrivateCli();
const began = performance.now();
let failed = 0;
const queue = [...SCENARIOS];

async function worker(): Promise<void> {
  for (let scenario: CrashScenario | undefined; (scenario = queue.shift()); ) {
    try {
      const summary = await runCrashCampaign(scenario, { kills: KILLS, seed: campaignSeed(), launcher: cli.launcher, log: console.log });
      console.log(formatSummary(summary));
    } catch (e) {
      failed++;
      console.error(`FAILED ${scenario.name}: ${(e as Error).message}`);
    }
  }
}

try {
  await Promise.all(Array.from({ length: PARALLEL }, worker));
} finally {
  await cli.remove();
}
console.log(`soak: ${SCENARIOS.length} ops × ${KILLS} kills in ${((performance.now() - began) / 1000).toFixed(0)} s; ${failed} failed`);
process.exitCode = failed ? 1 : 0;
