/**
 * What the browser e2e tests share: building the renderer and CLI when stale, `lakebench serve` on a
 * lake, and Debian's Chromium through playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
/** Debian Chromium, headless, with nothing reaching out to the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Newest modification time of any file under `dir` (0 when absent). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * Rebuilds the app bundles (out/: renderer, main, engine process) when their sources changed since the last
 * build. The renderer bundles modules from all over core/ (api types, units, sql-text …): any change counts.
 */
export function buildAppIfStale(): void {
  const built = existsSync(join(ROOT, 'out', 'renderer', 'index.html')) ? statSync(join(ROOT, 'out', 'renderer', 'index.html')).mtimeMs : 0;
  const sources = Math.max(newest(join(ROOT, 'renderer')), newest(join(ROOT, 'core')), newest(join(ROOT, 'electron')));
  if (built < sources) run('npm', ['run', 'build']);
}

/** Rebuilds the renderer and the CLI when their sources changed since the last build. */
export function buildIfStale(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package`);
  // Under vitest the global setup built both once: rebuilding here could pull files from under another test file.
  if (!process.env.LAKEBENCH_TEST_APP_BUILT) buildAppIfStale();
  if (!process.env.LAKEBENCH_TEST_CLI_BUILT && newest(join(ROOT, 'dist')) < newest(join(ROOT, 'core'))) run(process.execPath, ['scripts/build-cli.mjs']);
}

/** Starts `lakebench serve` and resolves with the URL it prints. */
export function serve(lake: string, home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/lakebench.mjs', 'serve', '--port', '0', '--lake', lake], {
    cwd: ROOT,
    env: { ...process.env, LAKEBENCH_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const url = /Lakebench: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(stdout)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`lakebench serve exited (${code}):\n${stderr}`)));
  });
}

export function launchBrowser(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
    colorScheme: 'light',
  });
}

/** The app's page in `context`, at `url`, with console errors and uncaught page errors pushed to `errors`. */
export async function openApp(context: BrowserContext, url: string, errors: string[]): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  return page;
}

export interface RunningApp {
  server: { child: ChildProcess; url: string };
  context: BrowserContext;
  page: Page;
  /** Closes the browser and the server, and removes `dir`. */
  stop(): Promise<void>;
}

/** `lakebench serve` on `lake` (state under `dir`/home) and Chromium on it (profile under `dir`). */
export async function startApp(lake: string, dir: string, errors: string[]): Promise<RunningApp> {
  const server = await serve(lake, join(dir, 'home'));
  const context = await launchBrowser(join(dir, 'profile'));
  const page = await openApp(context, server.url, errors);
  return {
    server,
    context,
    page,
    async stop() {
      await context.close();
      server.child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The query id of the result the active tab shows, if any. */
const shownQueryId = () => document.querySelector('[data-testid="results"]')?.getAttribute('data-query-id') ?? null;

/**
 * Replaces the SQL editor's text (Monaco: select all, delete, type), runs it with Ctrl+Enter, and returns
 * once the result pane shows this run — not the previous one, whose status line may look the same.
 */
export async function runSqlIn(page: Page, sql: string): Promise<void> {
  const before = await page.evaluate(shownQueryId);
  await page.locator('[data-testid="sql-editor"] .monaco-editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(sql);
  await page.keyboard.press('Escape'); // closes a completion list, if one opened
  await page.keyboard.press('ControlOrMeta+Enter');
  await page.waitForFunction((previous) => (document.querySelector('[data-testid="results"]')?.getAttribute('data-query-id') ?? null) !== previous, before, { timeout: 60_000 });
}
