/**
 * verify on a copy of the sample lake's orders table (12 versions, a checkpoint at 10) with one kind of
 * damage at a time and with all of them at once: each problem is named with its kind and object, and a
 * clean table gives none.
 */
import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../../core/formats/delta/checkpoint-write';
import { checkpointKey, commitKey, LAST_CHECKPOINT_KEY } from '../../core/formats/delta/log-files';
import { DeltaTable } from '../../core/formats/delta/table';
import type { OpProgress } from '../../core/ops/maintenance/operations';
import { verifyDataFiles, verifyLocation, type VerifyReport } from '../../core/ops/verify/verify';
import { LocalStore } from '../../core/storage/local';
import { ROOT } from '../helpers/cli-process';

const ORDERS = join(ROOT, 'resources', 'sample-lake', 'orders');
let work: string;
let copies = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lakebench-verify-delta-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function ordersCopy(): Promise<LocalStore> {
  const dir = join(work, `orders-${copies++}`);
  await cp(ORDERS, dir, { recursive: true });
  return new LocalStore(dir);
}

async function liveKeys(store: LocalStore): Promise<string[]> {
  const snapshot = await (await DeltaTable.open(store)).snapshot();
  return snapshot.files.map((f) => decodeURIComponent(f.path)).sort();
}

const found = (report: VerifyReport) => report.problems.map((p) => [p.kind, p.object]).sort();

/**
 * Inverts the first bytes of the first data page of the file's biggest column chunk: the zstd frame
 * header. (A flip inside the literals of a zstd block decodes "fine" into other values: without page
 * CRCs, which DuckDB does not write, no reader can notice that.)
 */
async function flipBitsInDataPage(path: string): Promise<void> {
  const bytes = await readFile(path);
  const chunks = parquetMetadata(bytes).row_groups.flatMap((g) => g.columns.map((c) => c.meta_data!));
  const biggest = chunks.sort((a, b) => Number(b.total_compressed_size - a.total_compressed_size))[0]!;
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: Number(biggest.data_page_offset) };
  const header = parquetHeader(reader);
  expect(header.compressed_page_size).toBeGreaterThan(8);
  for (let i = reader.offset; i < reader.offset + 8; i++) bytes[i] ^= 0xff;
  await writeFile(path, bytes);
}

/** Rewrites the `add` of `key` in a commit file. */
async function editAdd(store: LocalStore, version: number, key: string, edit: (add: Record<string, unknown>) => void): Promise<void> {
  const file = store.localPath(commitKey(version))!;
  const lines = (await readFile(file, 'utf8')).split('\n').map((line) => {
    const action = JSON.parse(line) as { add?: Record<string, unknown> };
    if (action.add && decodeURIComponent(String(action.add.path)) === key) edit(action.add);
    return JSON.stringify(action);
  });
  await writeFile(file, lines.join('\n'));
}

/** Keys of the files commit 11 adds (after the checkpoint, so editing their adds leaves the checkpoint right). */
async function addedIn11(store: LocalStore): Promise<string[]> {
  const text = await readFile(store.localPath(commitKey(11))!, 'utf8');
  return text.split('\n').flatMap((line) => {
    const action = JSON.parse(line) as { add?: { path: string } };
    return action.add ? [decodeURIComponent(action.add.path)] : [];
  });
}

describe('verify on a Delta table', () => {
  it('finds no problem in a clean table, also with --deep', async () => {
    const store = await ordersCopy();
    const live = await liveKeys(store);
    for (const deep of [false, true]) {
      const report = await verifyLocation(store, { deep });
      expect(report.problems).toEqual([]);
      expect(report.checked.files).toBe(live.length);
      expect(report.corruption_rate).toBe(0);
    }
  });

  it('names every damaged object with the kind of damage', async () => {
    const store = await ordersCopy();
    const inCommit11 = await addedIn11(store);
    const others = (await liveKeys(store)).filter((key) => !inCommit11.includes(key));
    const [flipped, truncated, deleted] = others;
    const [wrongSize, wrongCount] = inCommit11;
    const url = (key: string) => store.urlOf(key);

    await flipBitsInDataPage(store.localPath(flipped!)!);
    const truncatedPath = store.localPath(truncated!)!;
    await truncate(truncatedPath, Math.floor((await readFile(truncatedPath)).length / 2));
    await unlink(store.localPath(deleted!)!);
    await editAdd(store, 11, wrongSize!, (add) => (add.size = Number(add.size) + 1));
    await editAdd(store, 11, wrongCount!, (add) => {
      const stats = JSON.parse(String(add.stats)) as { numRecords: number };
      add.stats = JSON.stringify({ ...stats, numRecords: stats.numRecords + 1 });
    });
    await writeFile(store.localPath(commitKey(3))!, '{"add":{"path":"x.parquet",\n');
    await unlink(store.localPath(commitKey(5))!);
    await writeFile(store.localPath(LAST_CHECKPOINT_KEY)!, JSON.stringify({ version: 7, size: 30 }));

    const expected = [
      ['bad-magic', url(truncated!)],
      ['last-checkpoint', url(LAST_CHECKPOINT_KEY)],
      ['log-gap', url(commitKey(5))],
      ['log-unparsable', url(commitKey(3))],
      ['missing-file', url(deleted!)],
      ['row-count-mismatch', url(wrongCount!)],
      ['size-mismatch', url(truncated!)],
      ['size-mismatch', url(wrongSize!)],
    ];
    const shallow = await verifyLocation(store);
    expect(found(shallow)).toEqual(expected.sort());
    const deep = await verifyLocation(store, { deep: true });
    expect(found(deep)).toEqual([...expected, ['decode-error', url(flipped!)]].sort());

    const detail = (kind: string) => deep.problems.find((p) => p.kind === kind)!.detail;
    expect(detail('log-gap')).toBe('version 5 has no commit file, so it cannot be read');
    expect(detail('last-checkpoint')).toBe('names version 7, which has no checkpoint (the newest is version 10)');
    expect(detail('decode-error')).toMatch(/DuckDB: .*; parquet-wasm: /);
    expect(deep.corruption_rate).toBeCloseTo(5 / deep.checked.files);
  });

  it('flags a checkpoint that disagrees with replaying the JSON commits', async () => {
    const store = await ordersCopy();
    const snapshot = await (await DeltaTable.open(store)).snapshot();
    const dropped = snapshot.files[0]!;
    await writeCheckpoint(store, { ...snapshot, files: snapshot.files.slice(1) });

    const report = await verifyLocation(store);
    expect(found(report)).toEqual([['checkpoint-mismatch', store.urlOf(checkpointKey(11))]]);
    expect(report.problems[0]!.detail).toBe(`differs from replaying the JSON commits: 1 live file missing from the checkpoint (${decodeURIComponent(dropped.path)})`);
  });

  it('accepts a _last_checkpoint left behind by a writer killed between checkpoint and hint', async () => {
    const store = await ordersCopy();
    const hint = await readFile(store.localPath(LAST_CHECKPOINT_KEY)!);
    await writeCheckpoint(store, await (await DeltaTable.open(store)).snapshot());
    await writeFile(store.localPath(LAST_CHECKPOINT_KEY)!, hint); // the writer "crashed" before updating the hint

    // The hint still names a sound checkpoint, and readers list onwards from it: nothing is wrong.
    expect((await verifyLocation(store)).problems).toEqual([]);
    await writeFile(store.localPath(LAST_CHECKPOINT_KEY)!, JSON.stringify({ version: 9, size: 3 }));
    expect((await verifyLocation(store)).problems).toEqual([
      { object: store.urlOf(LAST_CHECKPOINT_KEY), kind: 'last-checkpoint', detail: 'names version 9, which has no checkpoint (the newest is version 11)' },
    ]);
  });

  it('takes expired history before the oldest checkpoint for what it is, not a gap', async () => {
    const store = await ordersCopy();
    for (let version = 0; version <= 6; version++) await unlink(store.localPath(commitKey(version))!);
    expect((await verifyLocation(store)).problems).toEqual([]);
  });

  it('reports progress per file and stops when cancelled', async () => {
    const store = await ordersCopy();
    const events: OpProgress[] = [];
    const report = await verifyLocation(store, { deep: true, onProgress: (p) => events.push(p) });
    const files = report.checked.files;
    for (const phase of ['files', 'deep']) {
      const done = events.filter((e) => e.phase === phase).map((e) => e.done);
      expect(done).toEqual(Array.from({ length: files + 1 }, (_, i) => i));
    }
    expect(events.filter((e) => e.phase === 'log').at(-1)).toMatchObject({ done: 13, total: 13 });

    const before = new AbortController();
    before.abort();
    await expect(verifyLocation(store, { signal: before.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    // Cancelled while decoding: the files still queued for the decoders are never finished.
    const during = new AbortController();
    const deepDone: number[] = [];
    const cancelled = verifyLocation(store, {
      deep: true,
      signal: during.signal,
      onProgress: (p) => {
        if (p.phase !== 'deep') return;
        deepDone.push(p.done);
        if (p.done === 1) during.abort();
      },
    });
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Math.max(...deepDone)).toBeLessThan(files);
  });

  it('verifyDataFiles checks the files it is given against what it is told', async () => {
    const store = await ordersCopy();
    const [key] = await liveKeys(store);
    const size = (await store.head(key!))!.size;
    const problems = await verifyDataFiles(store, [
      { path: key!, size, numRecords: 1 },
      { path: 'nowhere.parquet' },
    ]);
    expect(problems.map((p) => [p.kind, p.object])).toEqual([
      ['row-count-mismatch', store.urlOf(key!)],
      ['missing-file', store.urlOf('nowhere.parquet')],
    ]);
  });
});
