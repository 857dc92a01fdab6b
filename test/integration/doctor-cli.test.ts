/**
 * `lakebench doctor` and the engine's start-up check, as users run them: the CLI, and `lakebench serve`
 * with an engine that cannot start (a damaged catalog, a better-sqlite3 build that does not load), whose
 * API then answers every call with ENVIRONMENT and `doctor` with the report.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../core/api/doctor';
import { createHttpClient } from '../../renderer/src/api/http-client';
import { runCli, startCli } from '../helpers/cli-process';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakebench-doctor-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function home(name: string, catalog?: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  if (catalog !== undefined) await writeFile(join(path, 'catalog.sqlite'), catalog);
  return path;
}

describe('lakebench doctor', () => {
  it('prints the runtime, native modules, DuckDB, catalog, cache and AWS settings, secrets masked', async () => {
    const env = { LAKEBENCH_HOME: await home('ok'), AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
    const text = await runCli(['doctor'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Node ${process.versions.node}`);
    expect(text.stdout).toMatch(/@duckdb\/node-api ok \(v\d+\.\d+/);
    expect(text.stdout).toMatch(/better-sqlite3\s+ok \(SQLite 3\./);
    expect(text.stdout).toContain('No problems found.');
    expect(text.stdout + text.stderr).not.toContain('wJalrXUtnFEMI');

    const json = await runCli(['doctor', '--json'], env);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.catalog.path).toBe(join(env.LAKEBENCH_HOME, 'catalog.sqlite'));
    expect(report.cache.path).toBe(join(env.LAKEBENCH_HOME, 'cache'));
    expect(report.aws).toContainEqual({ name: 'AWS_ACCESS_KEY_ID', value: 'AKIA…MPLE' });
  });

  it('exits 1 naming a damaged catalog and what to do', async () => {
    const env = { LAKEBENCH_HOME: await home('damaged', 'not a database '.repeat(200)) };
    const run = await runCli(['doctor'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`PROBLEM: the catalog ${join(env.LAKEBENCH_HOME, 'catalog.sqlite')}`);
    expect(run.stdout).toContain('fix: move the file away');
  });

  it('exits 1 naming a better-sqlite3 build that does not load', async () => {
    const bogus = join(dir, 'not-an-addon.node');
    await writeFile(bogus, 'plain text, not a shared library');
    const run = await runCli(['doctor', '--json'], { LAKEBENCH_HOME: await home('bogus-addon'), LAKEBENCH_SQLITE_ADDON: bogus });
    expect(run.code).toBe(1);
    const sqlite = (JSON.parse(run.stdout) as DoctorReport).nativeModules.find((m) => m.name === 'better-sqlite3')!;
    expect(sqlite).toMatchObject({ ok: false, loadedFrom: bogus });
    expect(sqlite.fix).toContain('npm rebuild better-sqlite3');
  });
});

describe('lakebench serve with an engine that cannot start', () => {
  it('prints the report, keeps serving, refuses calls with ENVIRONMENT and answers doctor', async () => {
    const env = { LAKEBENCH_HOME: await home('serve-damaged', 'not a database '.repeat(200)) };
    const child = startCli(['serve', '--port', '0'], env);
    let stdout = '';
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        const found = /Lakebench: (http:\/\/\S+)/.exec(stdout)?.[1];
        if (found) resolve(found);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    try {
      expect(stderr).toContain('lakebench: the engine cannot start:');
      expect(stderr).toContain(`PROBLEM: the catalog ${join(env.LAKEBENCH_HOME, 'catalog.sqlite')}`);
      const served = new URL(url);
      const client = createHttpClient({ baseUrl: served.origin, token: served.searchParams.get('token')! });
      await expect(client.workspace({})).rejects.toMatchObject({ code: 'ENVIRONMENT', message: expect.stringContaining('the engine cannot start') });
      const report = await client.doctor({});
      expect(report.ok).toBe(false);
      expect(report.problems[0].what).toContain('catalog');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
