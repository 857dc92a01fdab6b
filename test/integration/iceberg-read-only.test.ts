/**
 * Iceberg tables take only the operations their format lists (import as an append, in
 * iceberg-append.test.ts; compact and rewrite-manifests, tested in iceberg-compact.test.ts and beside
 * it; orphans and vacuum, in iceberg-orphans.test.ts; expire, in iceberg-expire.test.ts; maintain, in
 * iceberg-maintain.test.ts): every other write operation (delete, compact-staging, repack, checkpoint) is refused by
 * name before anything under the table changes, on a copy of a fixture table written by Iceberg's Java
 * API — through the API, the app's maintenance jobs, the local server and the CLI, and when the table
 * is named by one of its metadata files. Verify, which only reads, still runs.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { runMaintenanceJob } from '../../core/api/maintenance-jobs';
import type { JobInfo, MaintenanceJobArgs } from '../../core/api/workbench';
import { fixture } from '../helpers/fixtures';
import { expectCommandsRefused, expectJobsRefused, fileStates, refusedWith as refusedWithMessage } from '../helpers/refusals';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

let dir: string;
let table: string;
let metadataFile: string;
let api: LakebenchApi;

/** Every file of the table with its size, modification time and content hash. */
const snapshot = () => fileStates(table);

const refusal = (operation: string) => `${operation}: not supported for Iceberg tables`;
const refusedWith = (operation: string, run: () => Promise<unknown>) => refusedWithMessage(operation, refusal(operation), run);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakebench-iceberg-read-only-'));
  table = join(dir, 'lake', 'bunnies');
  await cp(fixture('iceberg', 'java', 'bunnies'), table, { recursive: true });
  metadataFile = join(table, 'metadata', 'v4.metadata.json');
  // A staging area beside it, so that compact-staging has something to write into the table.
  await mkdir(join(dir, 'lake', 'staging', 'data', 'day=2026-11-23'), { recursive: true });
  await writeFile(join(dir, 'lake', 'staging', 'data', 'day=2026-11-23', 'a.json'), '{"id": 9}');
  process.env.LAKEBENCH_HOME = join(dir, 'home');
  api = createApi({ catalogPath: join(dir, 'home', 'catalog.sqlite'), cacheDir: join(dir, 'home', 'cache') });
});

afterAll(async () => {
  await api.close();
  delete process.env.LAKEBENCH_HOME;
  await rm(dir, { recursive: true, force: true });
});

describe('an Iceberg table (a copy of java/bunnies)', () => {
  it('is found as Iceberg, offering import (append), verify, compact, rewrite-manifests, orphans, vacuum, expire and maintain alone', async () => {
    const [found] = await api.tables({ location: join(dir, 'lake') }).then((all) => all.filter((t) => t.name === 'bunnies'));
    expect(found).toMatchObject({ layout: 'iceberg' });
    expect(Object.keys(found!.capabilities.operations)).toEqual(['import', 'verify', 'compact', 'rewrite-manifests', 'orphans', 'vacuum', 'expire', 'maintain']);
  });

  it('refuses delete through the API, by name, also when named by a metadata file, and changes nothing', async () => {
    const before = await snapshot();
    for (const location of [table, metadataFile]) {
      await refusedWith('delete', () => api.deleteWhere({ location, where: 'id = 1' }));
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses every maintenance job the app starts, by name, and changes nothing (the job's work never runs)", async () => {
    const before = await snapshot();
    const jobs: MaintenanceJobArgs[] = [
      { location: join(dir, 'lake', 'staging'), operation: 'compact-staging', into: table },
      { location: table, operation: 'repack', purgeWhere: 'id = 1', purge: true },
      { location: table, operation: 'repack', recompressLevel: 9 },
      { location: table, operation: 'checkpoint' },
    ];
    const job = { signal: new AbortController().signal, progress: vi.fn() };
    for (const args of jobs) await refusedWith(args.operation, () => runMaintenanceJob(api, args, job));
    expect(job.progress).not.toHaveBeenCalled();
    expect(await snapshot()).toEqual(before);
  });

  it('still verifies (read-only), at the current metadata and at one a location names', async () => {
    const run = { signal: new AbortController().signal, progress: () => undefined };
    expect(await runMaintenanceJob(api, { location: table, operation: 'verify', deep: true }, run)).toMatchObject({ problems: [], checked: { files: 4 } });
    // v2 holds one snapshot of one data file.
    expect(await runMaintenanceJob(api, { location: join(table, 'metadata', 'v2.metadata.json'), operation: 'verify' }, run)).toMatchObject({
      problems: [],
      checked: { files: 1 },
    });
  });

  describe('through the local server', () => {
    let served: WorkbenchServer;
    beforeAll(async () => {
      served = await startWorkbenchServer();
    });
    afterAll(async () => served.stop());

    it('fails each job by name and changes nothing', async () => {
      const before = await snapshot();
      const started: [string, JobInfo][] = [
        ['delete', await served.client.deleteWhere({ location: table, where: 'id = 1' })],
        ['repack', await served.client.maintenanceStart({ location: table, operation: 'repack', purgeWhere: 'id = 1', purge: true })],
        ['checkpoint', await served.client.maintenanceStart({ location: table, operation: 'checkpoint' })],
      ];
      await expectJobsRefused(served, started, refusal);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('through the CLI', () => {
    it('exits 1 naming the operation for every command that writes, and changes nothing', async () => {
      const before = await snapshot();
      const commands: [string, string[]][] = [
        ['delete', ['delete', table, '--where', 'id = 1']],
        ['compact-staging', ['compact-staging', join(dir, 'lake', 'staging'), '--into', table]],
        ['repack', ['repack', table, '--purge-where', 'id = 1']],
        ['checkpoint', ['checkpoint', table]],
        ['checkpoint', ['checkpoint', metadataFile]],
      ];
      await expectCommandsRefused(commands, refusal);
      expect(await snapshot()).toEqual(before);
    });
  });
});
