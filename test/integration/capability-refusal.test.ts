/**
 * A table whose format supports no write operation is refused by every one of them, by name, before
 * anything under its location changes — whichever way it is asked: the API (what the CLI, the server
 * and the app call), the app's maintenance jobs, the local server, and the CLI's own commands.
 *
 * The read-only format is a fake registered by this test. It claims a folder that also holds a real
 * Delta table with small files, a staging area beside it and a DES-like shard name, so that every
 * operation would find something to change: the last test shows one does once the fake is gone.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { runMaintenanceJob } from '../../core/api/maintenance-jobs';
import type { JobInfo, MaintenanceJobArgs } from '../../core/api/workbench';
import { deltaFormat } from '../../core/formats/delta/plugin';
import { addTableFormat } from '../../core/formats/registry';
import type { TableFormat } from '../../core/formats/table-format';
import { LocalStore } from '../../core/storage/local';
import { appendCsv, filesUnder } from '../helpers/maintenance-table';
import { expectCommandsRefused, expectJobsRefused, fileStates, refusedWith as refusedWithMessage } from '../helpers/refusals';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

const TITLE = 'Read-only test tables';
const MARKER = '_readonly_meta/';

/** Reads nothing but its marker; supports verify only (checked as the Delta table it holds). */
const readOnlyFormat: TableFormat = {
  name: 'readonly-test',
  title: TITLE,
  capabilities: { views: [], versionRefs: [], operations: { verify: {} } },
  detect: (folder) => folder.has(MARKER),
  parseVersion: (text) => ({ kind: 'id', id: text }),
  open: async (store) => ({ format: readOnlyFormat, store }),
  verify: (store, options) => deltaFormat.verify(store, options),
};

let dir: string;
let table: string;
let staging: string;
let api: LakebenchApi;
let removeFormat: () => void;

/** Every file under the data folder with its size, modification time and content hash. */
const snapshot = () => fileStates(join(dir, 'data'));

const refusal = (operation: string) => `${operation}: not supported for ${TITLE}`;
const refusedWith = (operation: string, run: () => Promise<unknown>) => refusedWithMessage(operation, refusal(operation), run);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakebench-refusal-'));
  table = join(dir, 'data', 'table');
  staging = join(dir, 'data', 'staging');
  process.env.LAKEBENCH_HOME = join(dir, 'home');
  const store = new LocalStore(table);
  await mkdir(join(dir, 'scratch'), { recursive: true });
  for (let i = 0; i < 3; i++) await appendCsv(store, join(dir, 'scratch'), `id,name\n${i},n${i}\n`);
  await mkdir(join(table, MARKER), { recursive: true });
  await writeFile(join(table, MARKER, 'v1.json'), '{}');
  await mkdir(join(staging, 'data', 'order_ts_hour=2026-11-23T08'), { recursive: true });
  await writeFile(join(staging, 'data', 'order_ts_hour=2026-11-23T08', 'a.json'), '{"id": 9, "name": "staged"}');
  await writeFile(join(dir, 'scratch', 'more.csv'), 'id,name\n7,seven\n');
  const [dataFile] = (await filesUnder(table)).filter((f) => f.endsWith('.parquet'));
  await writeFile(join(dir, 'scratch', 'leftover.parquet'), await readFile(join(table, dataFile!)));
  api = createApi({ catalogPath: join(dir, 'home', 'catalog.sqlite'), cacheDir: join(dir, 'home', 'cache') });
  removeFormat = addTableFormat(readOnlyFormat);
});

afterAll(async () => {
  removeFormat();
  await api.close();
  delete process.env.LAKEBENCH_HOME;
  await rm(dir, { recursive: true, force: true });
});

describe('a table whose format supports no write operation', () => {
  it('is found as its format, with its capabilities', async () => {
    const [found] = await api.tables({ location: join(dir, 'data') }).then((all) => all.filter((t) => t.name === 'table'));
    expect(found).toMatchObject({ layout: 'readonly-test', capabilities: { operations: { verify: {} } } });
  });

  it('refuses import and delete through the API, by name, and changes nothing', async () => {
    const before = await snapshot();
    await refusedWith('import', () => api.importFiles({ location: table, inputs: [join(dir, 'scratch', 'more.csv')] }));
    await refusedWith('delete', () => api.deleteWhere({ location: table, where: 'id = 1' }));
    expect(await snapshot()).toEqual(before);
  });

  it("refuses every maintenance job the app starts, by name, and changes nothing (the job's work never runs)", async () => {
    const before = await snapshot();
    const jobs: MaintenanceJobArgs[] = [
      { location: table, operation: 'compact', minFiles: 2 },
      { location: staging, operation: 'compact-staging', into: table },
      { location: table, operation: 'compact-staging', lakeside: true },
      { location: table, operation: 'orphans' },
      { location: table, operation: 'vacuum', retentionMs: 0, force: true },
      { location: table, operation: 'repack', purgeWhere: 'id = 1', purge: true },
      { location: table, operation: 'checkpoint' },
      { location: table, operation: 'expire', logRetentionMs: 0 },
      { location: table, operation: 'maintain', retentionMs: 0, logRetentionMs: 0, force: true },
      { location: table, operation: 'des-repack', minDeletionRatio: 0 },
    ];
    const job = { signal: new AbortController().signal, progress: vi.fn() };
    for (const args of jobs) await refusedWith(args.operation, () => runMaintenanceJob(api, args, job));
    expect(job.progress).not.toHaveBeenCalled();
    // The operations only the CLI starts go through the same check.
    const work = vi.fn(async () => 'ran');
    for (const operation of ['lakesync-compact', 'des-tombstone'] as const) await refusedWith(operation, () => api.maintenance(operation, { location: table }, work));
    expect(work).not.toHaveBeenCalled();
    expect(await snapshot()).toEqual(before);
  });

  it('still runs what it supports: verify', async () => {
    const report = await runMaintenanceJob(api, { location: table, operation: 'verify' }, { signal: new AbortController().signal, progress: () => undefined });
    expect(report).toMatchObject({ problems: [] });
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
        ['import', await served.client.importFiles({ location: table, inputs: [join(dir, 'scratch', 'more.csv')] })],
        ['delete', await served.client.deleteWhere({ location: table, where: 'id = 1' })],
        ['compact', await served.client.maintenanceStart({ location: table, operation: 'compact', minFiles: 2 })],
        ['vacuum', await served.client.maintenanceStart({ location: table, operation: 'vacuum', retentionMs: 0, force: true })],
        ['checkpoint', await served.client.maintenanceStart({ location: table, operation: 'checkpoint' })],
        ['maintain', await served.client.maintenanceStart({ location: table, operation: 'maintain', retentionMs: 0, force: true })],
      ];
      await expectJobsRefused(served, started, refusal);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('through the CLI', () => {
    it('exits 1 naming the operation for every command that writes, and changes nothing', async () => {
      const before = await snapshot();
      const commands: [string, string[]][] = [
        ['import', ['import', table, join(dir, 'scratch', 'more.csv')]],
        ['delete', ['delete', table, '--where', 'id = 1']],
        ['compact', ['compact', table, '--min-files', '2']],
        ['compact-staging', ['compact-staging', staging, '--into', table]],
        ['compact-staging', ['compact-staging', table, '--lakeside']],
        ['orphans', ['orphans', table]],
        ['vacuum', ['vacuum', table, '--retention', '0d', '--force']],
        ['repack', ['repack', table, '--purge-where', 'id = 1']],
        ['checkpoint', ['checkpoint', table]],
        ['expire', ['expire', table, '--log-retention', '0d']],
        ['maintain', ['maintain', table, '--retention', '0d', '--force']],
        ['des-tombstone', ['des', 'tombstone', table, '1', '--reason', 'test']],
        ['des-repack', ['des', 'repack', table]],
        ['lakesync-compact', ['lakesync', 'compact', table, '--into', join(dir, 'data', 'out')]],
      ];
      await expectCommandsRefused(commands, refusal);
      expect(await snapshot()).toEqual(before);
    });
  });

  it('leaves alone an operation that creates a table and finds only data files: its own first write, cut short before the commit', async () => {
    // What a first import killed before its commit leaves: Parquet files and no log. Told by data files
    // alone this is a Parquet folder, which supports no import; the import run again must still work.
    const cut = join(dir, 'cut-short');
    await mkdir(cut, { recursive: true });
    await writeFile(join(cut, 'part-00000-leftover.parquet'), await readFile(join(dir, 'scratch', 'leftover.parquet')));
    expect((await api.tables({ location: cut }))[0]?.layout).toBe('parquet');
    await expect(api.maintenance('compact', { location: cut }, async () => 'ran')).rejects.toMatchObject({
      code: 'UNSUPPORTED_OPERATION',
      message: expect.stringContaining('compact: not supported for Parquet folders'),
    });
    const imported = await api.importFiles({ location: cut, inputs: [join(dir, 'scratch', 'more.csv')] });
    expect(imported).toMatchObject({ version: 0, created: true });
  });

  it('is what stops them: with the format gone, the same folder is a Delta table that checkpoint changes', async () => {
    const before = await snapshot();
    removeFormat();
    try {
      await api.maintenance('checkpoint', { location: table }, async (store) => (await import('../../core/ops/checkpoint')).checkpointTable(store));
      expect(await snapshot()).not.toEqual(before);
    } finally {
      removeFormat = addTableFormat(readOnlyFormat);
    }
  });
});
