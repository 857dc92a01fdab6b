/**
 * The app fixture of the browser e2e tests (vitest hooks: kept out of ui-harness.ts, which the UI bench
 * imports outside vitest).
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildIfStale, startApp, type RunningApp } from './ui-harness';

/** Where the e2e tests save the screenshots to look at. */
export const SHOT_DIR = '/tmp/shots';

export interface AppFixture {
  /** The page, once the app is up (in tests, not at module load). */
  readonly page: Page;
  /** The temp folder holding the lake (`<dir>/lake`), the app's home and the browser profile. */
  readonly dir: string;
  /** Uncaught page errors; a test ends by expecting none. */
  errors: string[];
  /** Polls until the page settles: a bound on waiting, not a timing assertion. */
  poll<T>(read: () => T | Promise<T>): ReturnType<typeof expect.poll<T>>;
  /** Saves `<SHOT_DIR>/<name>.png`. */
  shot(name: string): Promise<Buffer>;
}

/**
 * One app for a test file: `prepare` writes the lake into `<dir>/lake`, then `lakebench serve` and Chromium
 * start on it before the file's tests, and stop after them.
 */
export function appPerFile(name: string, prepare: (lake: string, dir: string) => Promise<void>): AppFixture {
  let app: RunningApp | undefined;
  let dir = '';
  const fixture: AppFixture = {
    get page() {
      if (!app) throw new Error('the app is not started yet');
      return app.page;
    },
    get dir() {
      return dir;
    },
    errors: [],
    poll: (read) => expect.poll(read, { timeout: 60_000 }),
    shot: (shotName) => fixture.page.screenshot({ path: join(SHOT_DIR, `${shotName}.png`) }),
  };
  beforeAll(async () => {
    buildIfStale();
    dir = await mkdtemp(join(tmpdir(), `lakebench-ui-${name}-`));
    await prepare(join(dir, 'lake'), dir);
    await mkdir(SHOT_DIR, { recursive: true });
    app = await startApp(join(dir, 'lake'), dir, fixture.errors);
  }, 240_000);
  afterAll(async () => {
    await app?.stop();
  });
  return fixture;
}
