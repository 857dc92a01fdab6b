/** The pieces of `lakebench doctor` that take no runtime: version rule, AWS masking, the text report. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSettings, maskAccessKeyId, runDoctor, satisfiesMinimum } from '../../core/api/doctor';
import { formatDoctor } from '../../core/cli/commands/doctor';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakebench-doctor-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe('doctor', () => {
  it('compares Node versions against the engines minimum', () => {
    expect(satisfiesMinimum('22.12.0', '>=22.12')).toBe(true);
    expect(satisfiesMinimum('v22.23.3', '>=22.12')).toBe(true);
    expect(satisfiesMinimum('24.1.0', '>=22.12')).toBe(true);
    expect(satisfiesMinimum('22.11.9', '>=22.12')).toBe(false);
    expect(satisfiesMinimum('20.20.2', '>=22.12')).toBe(false);
  });

  it('shows AWS settings with ids shortened and secrets never', async () => {
    await mkdir(join(home, '.aws'));
    await writeFile(join(home, '.aws', 'credentials'), '[default]\naws_secret_access_key = hunter2hunter2\n[analytics]\naws_access_key_id = AKIAEXAMPLEPROFILE\n');
    await writeFile(join(home, '.aws', 'config'), '[profile analytics]\nregion = eu-west-1\n[profile r2]\n');
    const env = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_REGION: 'auto' };
    const seen = awsSettings(env, home);
    const text = JSON.stringify(seen);
    expect(text).not.toContain('wJalrXUtnFEMI');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(seen).toContainEqual({ name: 'AWS_ACCESS_KEY_ID', value: 'AKIA…MPLE' });
    expect(seen).toContainEqual({ name: 'AWS_SECRET_ACCESS_KEY', value: 'set (40 characters, hidden)' });
    expect(seen).toContainEqual({ name: 'AWS_REGION', value: 'auto' });
    expect(seen).toContainEqual({ name: 'profiles', value: 'default, analytics, r2' });
    expect(maskAccessKeyId('short')).toBe('****');
  });

  it('reports this runtime, the native modules and an empty home, and prints it', async () => {
    const report = await runDoctor({ catalogPath: join(home, 'catalog.sqlite'), cacheDir: join(home, 'cache'), cacheBytes: 1024 }, {});
    expect(report.ok).toBe(true);
    expect(report.runtime.node).toBe(process.versions.node);
    expect(report.nativeModules.map((m) => [m.name, m.ok])).toEqual([
      ['@duckdb/node-api', true],
      ['lz4-napi', true],
      ['better-sqlite3', true],
    ]);
    expect(report.duckdb?.extensions.find((e) => e.name === 'parquet')?.loaded).toBe(true);
    expect(report.catalog).toMatchObject({ exists: false });
    expect(report.cache).toMatchObject({ files: 0, bytes: 0, budgetBytes: 1024 });
    const text = formatDoctor(report);
    expect(text).toContain(`Node ${process.versions.node}`);
    expect(text).toContain('No problems found.');
  });

  it('names a damaged catalog and what to do, without touching it', async () => {
    const catalogPath = join(home, 'damaged.sqlite');
    await writeFile(catalogPath, 'this is not a database'.repeat(100));
    const report = await runDoctor({ catalogPath, cacheDir: join(home, 'cache') }, {});
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0].what).toContain(catalogPath);
    expect(report.problems[0].fix).toContain('move the file away');
    expect(formatDoctor(report)).toContain('PROBLEM:');
  });
});
