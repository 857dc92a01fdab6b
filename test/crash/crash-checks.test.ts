/** The crash campaigns' checks fail when they should: a lost or doubled row, a damaged table, an unreported leftover. */
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { deleteWhere } from '../../core/ops/delete';
import { importFiles } from '../../core/ops/import';
import { LocalStore } from '../../core/storage/local';
import { buildPrivateCli } from '../helpers/crash-cli';
import { canonicalRows, checkTable, compareRows, filesOnDisk, finalVacuum } from '../helpers/crash-checks';
import { runCrashCampaign, type CrashScenario } from '../helpers/crash-harness';
import { queryTable } from '../helpers/delta-rows';

let work: string;
let tables = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lakebench-crash-checks-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A table of two commits (two files), a fresh folder each time. */
async function twoFileTable(dir = join(work, `t${++tables}`)): Promise<string> {
  for (const [i, csv] of ['id,v\n1,a\n2,b\n', 'id,v\n3,c\n4,d\n'].entries()) {
    const input = `${dir}-${i}.csv`;
    await writeFile(input, csv);
    await importFiles(new LocalStore(dir), { inputs: [input] });
  }
  return dir;
}

const liveFiles = async (dir: string) => (await (await DeltaTable.open(new LocalStore(dir))).snapshot()).files.map((f) => f.path);

describe('crash checks', () => {
  it('compares rows as multisets: order does not matter, a lost or doubled row does', () => {
    const rows = canonicalRows([{ id: 1, v: 'a' }, { v: 'b', id: 2 }]);
    expect(() => compareRows(rows, canonicalRows([{ id: 2, v: 'b' }, { id: 1, v: 'a' }]))).not.toThrow();
    expect(() => compareRows(rows, canonicalRows([{ id: 1, v: 'a' }]))).toThrow(/1 missing, 0 extra/);
    expect(() => compareRows(rows, [...rows, rows[0]!])).toThrow(/0 missing, 1 extra/);
  });

  it('passes a sound table and names a live file that is gone', async () => {
    const dir = await twoFileTable();
    await expect(checkTable(dir)).resolves.toBeUndefined();
    await unlink(join(dir, (await liveFiles(dir))[0]!));
    await expect(checkTable(dir)).rejects.toThrow(/verify found/);
  });

  it('names a leftover that the orphan report does not list', async () => {
    const dir = await twoFileTable();
    await mkdir(join(dir, '_scratch'));
    await writeFile(join(dir, '_scratch', 'left-behind.bin'), 'x');
    await expect(checkTable(dir)).rejects.toThrow(/_scratch\/left-behind\.bin/);
  });

  it('vacuums down to the log and the live files', async () => {
    const dir = await twoFileTable();
    await deleteWhere(new LocalStore(dir), 'id = 1'); // one tombstone, one rewritten file
    await writeFile(join(dir, 'part-orphan-c000.zstd.parquet'), 'not referenced');
    await finalVacuum(dir);
    const live = new Set(await liveFiles(dir));
    expect((await filesOnDisk(dir)).filter((key) => !key.startsWith('_delta_log/') && !live.has(key))).toEqual([]);
    expect(await queryTable(new LocalStore(dir), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 2 }, { id: 3 }, { id: 4 }]);
  });

  it('a campaign fails, naming its seed, when a command loses rows', async () => {
    const cli = await buildPrivateCli();
    // `delete` does remove rows; a scenario that says it keeps them must be caught at the first commit.
    const lossy: CrashScenario = {
      name: 'delete',
      build: async (dir) => void (await twoFileTable(dir)),
      args: (dir) => ['delete', dir, '--where', 'id = 3'],
      table: (dir) => dir,
      rows: async (dir) => canonicalRows(await queryTable(new LocalStore(dir), 'SELECT * FROM t')),
      exhausted: (run) => run.committed,
    };
    try {
      await expect(runCrashCampaign(lossy, { kills: 1, seed: 42, launcher: cli.launcher })).rejects.toThrow(
        /seed 42.*rows differ: 1 missing/s,
      );
    } finally {
      await cli.remove();
    }
  });
});
