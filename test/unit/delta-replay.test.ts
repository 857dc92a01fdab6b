import { describe, expect, it } from 'vitest';
import type { Action, AddFile } from '../../core/formats/delta/actions';
import { applyActions, emptyState, replay } from '../../core/formats/delta/replay';

const add = (path: string, size = 1): Action => ({
  add: { path, partitionValues: {}, size, modificationTime: 0, dataChange: true } satisfies AddFile,
});
const remove = (path: string): Action => ({ remove: { path, deletionTimestamp: 1, dataChange: true } });
const livePaths = (state: { files: Map<string, AddFile> }) => [...state.files.values()].map((f) => f.path).sort();

describe('applyActions', () => {
  it('adds, removes and re-adds files: the newest action per path wins', () => {
    let state = applyActions(emptyState(), 0, [add('a'), add('b')]);
    state = applyActions(state, 1, [remove('a'), add('c')]);
    expect(livePaths(state)).toEqual(['b', 'c']);
    expect([...state.tombstones.keys()]).toEqual(['a']);

    state = applyActions(state, 2, [add('a', 42)]);
    expect(livePaths(state)).toEqual(['a', 'b', 'c']);
    expect(state.files.get('a')?.size).toBe(42);
    expect(state.tombstones.size).toBe(0);
    expect(state.version).toBe(2);
  });

  it('treats URL-encoded and decoded spellings of a path as one file and keeps the original string', () => {
    let state = applyActions(emptyState(), 0, [add('p=a%20b/x%3Ay.parquet'), add('plain.parquet')]);
    expect(state.files.get('p=a b/x:y.parquet')?.path).toBe('p=a%20b/x%3Ay.parquet');
    state = applyActions(state, 1, [remove('p=a b/x:y.parquet')]);
    expect(livePaths(state)).toEqual(['plain.parquet']);
    expect(state.tombstones.get('p=a b/x:y.parquet')?.path).toBe('p=a b/x:y.parquet');
  });

  it('keeps the latest protocol, metadata and transaction per application', () => {
    const metaData = (id: string): Action => ({
      metaData: { id, format: { provider: 'parquet' }, schemaString: '{}', partitionColumns: [] },
    });
    const state = replay(emptyState(), [
      { version: 0, actions: [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, metaData('one'), { txn: { appId: 'x', version: 1 } }] },
      { version: 1, actions: [metaData('two'), { txn: { appId: 'x', version: 2 } }, { txn: { appId: 'y', version: 7 } }] },
      { version: 2, actions: [{ protocol: { minReaderVersion: 1, minWriterVersion: 3 } }] },
    ]);
    expect(state.metadata?.id).toBe('two');
    expect(state.protocol?.minWriterVersion).toBe(3);
    expect(Object.fromEntries([...state.txns].map(([k, t]) => [k, t.version]))).toEqual({ x: 2, y: 7 });
    expect(state.version).toBe(2);
  });

  it('leaves the input state unchanged', () => {
    const before = applyActions(emptyState(), 0, [add('a')]);
    const after = applyActions(before, 1, [remove('a'), add('b')]);
    expect(livePaths(before)).toEqual(['a']);
    expect(before.tombstones.size).toBe(0);
    expect(before.version).toBe(0);
    expect(livePaths(after)).toEqual(['b']);
  });

  it('takes a path with invalid percent-encoding literally', () => {
    const state = applyActions(emptyState(), 0, [add('bad%zz.parquet')]);
    expect([...state.files.keys()]).toEqual(['bad%zz.parquet']);
  });
});
