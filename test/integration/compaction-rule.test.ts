/**
 * One rule for "compaction would help": the partitions the API marks compactable are the partitions Compact
 * with its default options plans to merge — also where the old average-size hint said otherwise (four small
 * files: too few for the default min-files).
 */
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { compactTable } from '../../core/ops/compact';
import { importFiles } from '../../core/ops/import';
import { MAINTENANCE_DEFAULTS } from '../../core/ops/maintenance/defaults';
import { LocalStore } from '../../core/storage/local';

let dir: string;
let api: LakebenchApi;
let location: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-compaction-rule-'));
  api = createApi({ catalogPath: path.join(dir, 'catalog.sqlite'), cacheDir: path.join(dir, 'cache') });
  location = path.join(dir, 'table');
  const store = new LocalStore(location);
  // day=a gets one file more than the default min-files, day=b one fewer; both average a few hundred bytes.
  const writes = [...Array(MAINTENANCE_DEFAULTS.minFiles + 1).fill('a'), ...Array(MAINTENANCE_DEFAULTS.minFiles - 1).fill('b')];
  for (const [i, day] of writes.entries()) {
    const file = path.join(dir, `in-${i}.csv`);
    await writeFile(file, `id,day\n${i},${day}\n`);
    await importFiles(store, { inputs: [file], partitionBy: ['day'] });
  }
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('compaction would help', () => {
  it('marks exactly the partitions that Compact with its defaults plans to merge', async () => {
    const partitions = await api.partitions({ location });
    expect(partitions.partitions.map((p) => [p.partitionValues.day, p.files, p.compactable])).toEqual([
      ['a', MAINTENANCE_DEFAULTS.minFiles + 1, true],
      ['b', MAINTENANCE_DEFAULTS.minFiles - 1, false],
    ]);
    const plan = await compactTable(new LocalStore(location), { targetSize: MAINTENANCE_DEFAULTS.targetSize, minFiles: MAINTENANCE_DEFAULTS.minFiles, dryRun: true });
    expect(plan.plan.map((p) => p.partition.day)).toEqual(partitions.partitions.filter((p) => p.compactable).map((p) => p.partitionValues.day));
  });

  it('does not mark partitions of a table that cannot be compacted (a Parquet folder)', async () => {
    const table = path.join(dir, 'table');
    const dataFile = (await readdir(path.join(table, 'day=a'))).find((f) => f.endsWith('.parquet'))!;
    const folder = path.join(dir, 'folder', 'day=a');
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < MAINTENANCE_DEFAULTS.minFiles + 1; i++) await cp(path.join(table, 'day=a', dataFile), path.join(folder, `part-${i}.parquet`));
    const partitions = await api.partitions({ location: path.join(dir, 'folder') });
    expect(partitions.partitions.map((p) => [p.files, p.compactable])).toEqual([[MAINTENANCE_DEFAULTS.minFiles + 1, undefined]]);
  });
});
