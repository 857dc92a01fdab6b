import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakebenchError, LakebenchError } from '../../core/errors';
import type { Action, AddFile, StructType } from '../../core/formats/delta/actions';
import { commit, type CommitRequest } from '../../core/formats/delta/commit';
import { newTableActions } from '../../core/formats/delta/create';
import { DeltaTable } from '../../core/formats/delta/table';
import { LocalStore } from '../../core/storage/local';

const SCHEMA: StructType = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'p', type: 'string', nullable: true, metadata: {} },
  ],
};

let dir: string;
let store: LocalStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-delta-commit-'));
  store = new LocalStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function addFile(name: string, p: string): AddFile {
  return { path: name, partitionValues: { p }, size: 100, modificationTime: Date.now(), dataChange: true, stats: '{"numRecords":1}' };
}

const append = (readVersion: number, ...files: AddFile[]): CommitRequest => ({
  actions: files.map((add) => ({ add })),
  readVersion,
  operation: 'WRITE',
  operationParameters: { mode: 'Append' },
  isBlindAppend: true,
});

/** A DELETE that rewrote nothing: it read `file`'s partition and removes the file. */
const deleteFile = (readVersion: number, file: AddFile): CommitRequest => ({
  actions: [{ remove: { path: file.path, deletionTimestamp: Date.now(), dataChange: true, partitionValues: file.partitionValues } }],
  readVersion,
  operation: 'DELETE',
  operationParameters: { predicate: ['id = 1'] },
  isBlindAppend: false,
  readFiles: [file.path],
  readPartitions: [file.partitionValues],
});

async function createTable(): Promise<void> {
  const { version } = await commit(store, {
    actions: newTableActions({ schema: SCHEMA, partitionColumns: ['p'], name: 't' }),
    readVersion: -1,
    operation: 'CREATE TABLE',
    isBlindAppend: false,
  });
  expect(version).toBe(0);
}

async function expectConflict(request: Promise<unknown>, winningVersion: number): Promise<LakebenchError> {
  const error = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLakebenchError(error, 'CONFLICT'), `expected CONFLICT, got ${String(error)}`).toBe(true);
  const conflict = error as LakebenchError;
  expect(conflict.message).toContain(dir);
  expect(conflict.object).toBe(store.urlOf(`_delta_log/${String(winningVersion).padStart(20, '0')}.json`));
  return conflict;
}

async function logLines(version: number): Promise<Action[]> {
  const text = await readFile(path.join(dir, '_delta_log', `${String(version).padStart(20, '0')}.json`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Action);
}

describe('commit', () => {
  it('creates versions 0, 1, 2 in order, each with a commitInfo', async () => {
    await createTable();
    expect(await commit(store, append(0, addFile('a.parquet', 'x')))).toEqual({ version: 1, retries: 0 });
    expect(await commit(store, append(1, addFile('b.parquet', 'y')))).toEqual({ version: 2, retries: 0 });

    const names = (await readdir(path.join(dir, '_delta_log'))).sort();
    expect(names).toEqual([0, 1, 2].map((v) => `${String(v).padStart(20, '0')}.json`));
    const v0 = await logLines(0);
    expect(v0.map((a) => Object.keys(a)[0])).toEqual(['commitInfo', 'protocol', 'metaData']);
    const v1 = await logLines(1);
    const info = (v1[0] as { commitInfo: Record<string, unknown> }).commitInfo;
    expect(info).toMatchObject({ operation: 'WRITE', readVersion: 0, isBlindAppend: true, operationParameters: { mode: 'Append' } });
    expect(info.engineInfo).toMatch(/^Lakebench\/\d/);
    expect(typeof info.txnId).toBe('string');

    const snapshot = await (await DeltaTable.open(store)).snapshot();
    expect(snapshot.version).toBe(2);
    expect(snapshot.files.map((f) => f.path).sort()).toEqual(['a.parquet', 'b.parquet']);
  });

  it('a blind append that loses the race lands at the next version', async () => {
    await createTable();
    await commit(store, append(0, addFile('a.parquet', 'x')));
    const late = await commit(store, append(0, addFile('b.parquet', 'x')));
    expect(late).toEqual({ version: 2, retries: 1 });
    const snapshot = await (await DeltaTable.open(store)).snapshot();
    expect(snapshot.files.map((f) => f.path).sort()).toEqual(['a.parquet', 'b.parquet']);
  });

  it('refuses to create a table that was created concurrently', async () => {
    await createTable();
    await expectConflict(
      commit(store, {
        actions: newTableActions({ schema: SCHEMA, partitionColumns: [] }),
        readVersion: -1,
        operation: 'CREATE TABLE',
        isBlindAppend: false,
      }),
      0,
    );
  });

  it('delete vs delete of the same file ⇒ CONFLICT naming the winning version', async () => {
    await createTable();
    const file = addFile('a.parquet', 'x');
    await commit(store, append(0, file));
    expect((await commit(store, deleteFile(1, file))).version).toBe(2);
    const error = await expectConflict(commit(store, deleteFile(1, file)), 2);
    expect(error.message).toContain('a.parquet');
    expect(await readdir(path.join(dir, '_delta_log'))).toHaveLength(3);
  });

  it('delete vs a concurrent append in the partition it read ⇒ CONFLICT', async () => {
    await createTable();
    const file = addFile('a.parquet', 'x');
    await commit(store, append(0, file));
    await commit(store, append(1, addFile('b.parquet', 'x')));
    await expectConflict(commit(store, deleteFile(1, file)), 2);
  });

  it('delete vs a concurrent append in another partition ⇒ commits after it', async () => {
    await createTable();
    const file = addFile('a.parquet', 'x');
    await commit(store, append(0, file));
    await commit(store, append(1, addFile('b.parquet', 'y')));
    expect(await commit(store, deleteFile(1, file))).toEqual({ version: 3, retries: 1 });
    const snapshot = await (await DeltaTable.open(store)).snapshot();
    expect(snapshot.files.map((f) => f.path)).toEqual(['b.parquet']);
  });

  it('a non-blind commit without readPartitions conflicts with any concurrent append', async () => {
    await createTable();
    await commit(store, append(0, addFile('a.parquet', 'x')));
    await expectConflict(commit(store, { ...append(0, addFile('b.parquet', 'y')), isBlindAppend: false }), 1);
  });

  it('a concurrent metadata change ⇒ CONFLICT, even for a blind append', async () => {
    await createTable();
    const widened: StructType = { ...SCHEMA, fields: [...SCHEMA.fields, { name: 'note', type: 'string', nullable: true, metadata: {} }] };
    const [, metaDataAction] = newTableActions({ schema: widened, partitionColumns: ['p'] });
    await commit(store, { actions: [metaDataAction], readVersion: 0, operation: 'ADD COLUMNS', isBlindAppend: false });
    const error = await expectConflict(commit(store, append(0, addFile('a.parquet', 'x'))), 1);
    expect(error.message).toMatch(/metadata/);
  });

  it('a late writer checks every commit since its read version, then lands after the newest', async () => {
    await createTable();
    const file = addFile('a.parquet', 'x');
    await commit(store, append(0, file));
    for (let v = 1; v < 4; v++) await commit(store, append(v, addFile(`f${v}.parquet`, 'y')));
    await commit(store, deleteFile(4, file));
    for (let v = 5; v < 8; v++) await commit(store, append(v, addFile(`g${v}.parquet`, 'y')));
    // Read at version 1: versions 2–4 are harmless, version 5 removed the file it read.
    await expectConflict(commit(store, { ...deleteFile(1, file), readPartitions: [] }), 5);
    expect(await commit(store, append(1, addFile('late.parquet', 'x')))).toEqual({ version: 9, retries: 1 });
  });

  it('gives up after maxRetries lost races, naming the newest version', async () => {
    await createTable();
    for (let v = 0; v < 3; v++) await commit(store, append(v, addFile(`f${v}.parquet`, 'x')));
    await expectConflict(commit(store, { ...append(0, addFile('late.parquet', 'x')), maxRetries: 0 }), 3);
  });
});
