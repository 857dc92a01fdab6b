import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { checkpointKey, commitKey } from '../../core/formats/delta/log-files';
import { checkpointTable } from '../../core/ops/checkpoint';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';
import { appendCsv, ids } from '../helpers/maintenance-table';
import { FIXTURES } from '../helpers/fixtures';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-checkpoint-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string): Promise<{ store: LocalStore; tableDir: string }> {
  const tableDir = path.join(dir, name);
  await cp(path.join(FIXTURES, 'delta-rs', name), tableDir, { recursive: true });
  return { store: new LocalStore(tableDir), tableDir };
}

const hint = async (tableDir: string) => JSON.parse(await readFile(path.join(tableDir, '_delta_log', '_last_checkpoint'), 'utf8'));

describe('checkpointTable', () => {
  it('writes a checkpoint of the latest version that alone rebuilds the table, and is idempotent', async () => {
    const tableDir = path.join(dir, 'table');
    const store = new LocalStore(tableDir);
    for (const id of [1, 2, 3]) await appendCsv(store, dir, `id\n${id}\n`);
    const result = await checkpointTable(store);
    expect(result).toEqual({ version: 2, object: store.urlOf(checkpointKey(2)) });
    expect(await hint(tableDir)).toMatchObject({ version: 2, numOfAddFiles: 3 });
    const written = await stat(path.join(tableDir, checkpointKey(2)));

    expect(await checkpointTable(store)).toEqual(result);
    expect((await stat(path.join(tableDir, checkpointKey(2)))).mtimeMs).toBe(written.mtimeMs);

    // Without the commits before it, the checkpoint is the table.
    for (const v of [0, 1]) await rm(path.join(tableDir, commitKey(v)));
    expect(await ids(store)).toEqual([1, 2, 3]);
  });

  it('checkpoints a delta-rs table with removes, reading the same rows from it', async () => {
    const { store, tableDir } = await fixture('delta-0.8.0');
    const before = await queryTable(store, 'SELECT value FROM t ORDER BY value');
    expect(await checkpointTable(store)).toMatchObject({ version: 1 });
    await rm(path.join(tableDir, commitKey(0)));
    await rm(path.join(tableDir, commitKey(1)));
    expect(await queryTable(store, 'SELECT value FROM t ORDER BY value')).toEqual(before);
  });

  it('keeps an existing checkpoint written by another engine', async () => {
    const { store, tableDir } = await fixture('simple_table_with_checkpoint');
    const original = await readFile(path.join(tableDir, checkpointKey(10)));
    expect(await checkpointTable(store)).toMatchObject({ version: 10 });
    expect(await readFile(path.join(tableDir, checkpointKey(10)))).toEqual(original);
  });

  it('refuses a table whose protocol it cannot write, writing nothing', async () => {
    const { store, tableDir } = await fixture('table-with-dv-small');
    await writeFile(
      path.join(tableDir, commitKey(2)),
      JSON.stringify({ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors', 'rowTracking'] } }),
    );
    const refused = await checkpointTable(store).catch((e: unknown) => e);
    expect(isLakebenchError(refused, 'UNSUPPORTED_FEATURE')).toBe(true);
    expect((refused as Error).message).toContain('rowTracking');
    await expect(stat(path.join(tableDir, '_delta_log', '_last_checkpoint'))).rejects.toThrow();
  });

  it('checkpoints a table with deletion vectors: the checkpoint alone reads the same rows', async () => {
    const { store, tableDir } = await fixture('table-with-dv-small');
    expect(await checkpointTable(store)).toMatchObject({ version: 1 });
    for (const v of [0, 1]) await rm(path.join(tableDir, commitKey(v)));
    expect(await queryTable(store, 'SELECT list(value ORDER BY value) AS v FROM t')).toEqual([{ v: [1, 2, 3, 4, 5, 6, 7, 8] }]);
  });
});
