/** verify on a table with deletion vectors (the golden dv-partitioned-with-checkpoint, written by Delta Spark). */
import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deletionVectorOf, dvLocation } from '../../core/formats/delta/deletion-vector';
import { commitKey } from '../../core/formats/delta/log-files';
import { verifyLocation } from '../../core/ops/verify/verify';
import { LocalStore } from '../../core/storage/local';
import { fixture } from '../helpers/fixtures';

let tableDir: string;
let store: LocalStore;
beforeEach(async () => {
  tableDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'lakebench-verify-dv-')), 'table');
  await cp(fixture('golden', 'dv-partitioned-with-checkpoint', 'delta'), tableDir, { recursive: true });
  store = new LocalStore(tableDir);
});
afterEach(() => rm(path.dirname(tableDir), { recursive: true, force: true }));

/** The DV file of the last commit's add (v15: part=8's second file), from its Z85 UUID. */
async function lastDvFile(): Promise<string> {
  const add = JSON.parse((await readFile(path.join(tableDir, commitKey(15)), 'utf8')).split('\n')[1]).add;
  const location = dvLocation(deletionVectorOf(add)!);
  return path.join(tableDir, (location as { path: string }).path);
}

describe('verify on a table with deletion vectors', () => {
  it('finds nothing wrong with the table as Spark wrote it, deep or not', async () => {
    for (const deep of [false, true]) expect((await verifyLocation(store, { deep })).problems).toEqual([]);
  });

  it('names a DV file whose CRC does not match, and one that is truncated', async () => {
    const file = await lastDvFile();
    const bytes = await readFile(file);
    bytes[12] ^= 0x01;
    await writeFile(file, bytes);
    const crc = (await verifyLocation(store)).problems;
    expect(crc).toEqual([{ object: store.urlOf(path.basename(file)), kind: 'bad-deletion-vector', detail: expect.stringMatching(/CRC-32 mismatch/) }]);
    await truncate(file, 20);
    const truncated = (await verifyLocation(store)).problems;
    expect(truncated).toEqual([{ object: store.urlOf(path.basename(file)), kind: 'bad-deletion-vector', detail: expect.stringMatching(/past the end of the file/) }]);
  });

  it('names a missing DV file', async () => {
    const file = await lastDvFile();
    await rm(file);
    expect((await verifyLocation(store)).problems).toMatchObject([{ object: store.urlOf(path.basename(file)), kind: 'missing-file' }]);
  });

  it('--deep decodes the bitmaps: a cardinality the bitmap does not have is reported', async () => {
    const commit = path.join(tableDir, commitKey(15));
    const text = await readFile(commit, 'utf8');
    await writeFile(commit, text.replace('"sizeInBytes":34,"cardinality":1}}}', '"sizeInBytes":34,"cardinality":2}}}'));
    expect((await verifyLocation(store)).problems).toEqual([]);
    expect((await verifyLocation(store, { deep: true })).problems).toEqual([
      expect.objectContaining({ kind: 'bad-deletion-vector', detail: expect.stringMatching(/deletes 1 rows, the log says 2/) }),
    ]);
  });
});
