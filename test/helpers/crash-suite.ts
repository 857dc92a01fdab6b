/** Registers one op's crash campaign as a vitest test (one file per op, so that two run in parallel). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli, type PrivateCli } from './crash-cli';
import { campaignSeed, formatSummary, runCrashCampaign, type CrashScenario } from './crash-harness';
import { s3CrashSite, useS3Site } from './s3-crash-site';
import { startS3Server, type S3TestServer } from './s3server';

/** Kills per op in the test suite: 4 ops × 55 ≥ the 200 the issue asks for (`npm run soak` does 1,000). */
export const SUITE_KILLS = 55;
/** A guard against a hung child, not a speed requirement: a campaign takes about a minute. */
const CAMPAIGN_TIMEOUT_MS = 15 * 60_000;

/** `onS3`: the runs work on copies on a loopback S3 server instead of local folders. */
export function crashSuite(scenario: CrashScenario, kills = SUITE_KILLS, options: { onS3?: boolean } = {}): void {
  describe(`${scenario.name} under SIGKILL${options.onS3 ? ' on S3' : ''}`, () => {
    let cli: PrivateCli;
    let server: S3TestServer | undefined;
    beforeAll(async () => {
      cli = await buildPrivateCli();
      if (options.onS3) {
        server = await startS3Server({ conditionalWrites: true });
        await server.createBucket('crash');
        useS3Site(server);
      }
    });
    afterAll(async () => {
      await cli?.remove();
      await server?.stop();
    });

    it(
      `keeps every row, verify clean and only orphans left over after ${kills} kills at random moments, then a clean run and vacuum`,
      async () => {
        const site = server && s3CrashSite(server, 'crash');
        const summary = await runCrashCampaign(scenario, { kills, seed: campaignSeed(), launcher: cli.launcher, site });
        console.log(formatSummary(summary));
        expect(summary.kills).toBe(kills);
      },
      CAMPAIGN_TIMEOUT_MS,
    );
  });
}
