/**
 * repack --purge stopped at every write it makes (uploads, the commit, the checkpoint, each log
 * expiry, each file delete): the table stays readable with every row but the purged one, and a re-run
 * completes the erasure. The stop is a store whose writes fail from the n-th on, as a killed process's
 * would never happen.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repackTable } from '../../core/ops/repack';
import { LocalStore } from '../../core/storage/local';
import type { ObjectStore } from '../../core/storage/types';
import { ids } from '../helpers/maintenance-table';
import { objectsContaining, readableVersions, tableWithHistory } from '../helpers/repack-tables';

let dir: string;
let marker: string;
let allIds: number[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-repack-crash-'));
  ({ marker, ids: allIds } = await tableWithHistory(new LocalStore(path.join(dir, 'pristine')), dir));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MUTATIONS = new Set<string | symbol>(['put', 'putFile', 'putIfAbsent', 'delete']);

/** The store, except that every write after the first `allowed` ones fails (each key of a batch delete is a write). */
function failingAfter(store: ObjectStore, allowed: number): ObjectStore {
  let writes = 0;
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'deleteMany') {
        // A batch stopped part-way: the keys before the stop are gone, as after a kill mid-request.
        return async (keys: readonly string[]) => {
          const room = Math.max(0, allowed - writes);
          writes += keys.length;
          if (room >= keys.length) return target.deleteMany(keys);
          await target.deleteMany(keys.slice(0, room));
          throw new Error(`stopped before write ${allowed + 1}`);
        };
      }
      if (!MUTATIONS.has(property)) return value.bind(target);
      return async (...args: unknown[]) => {
        if (writes++ >= allowed) throw new Error(`stopped before write ${writes}`);
        return value.apply(target, args);
      };
    },
  });
}

describe('repack --purge stopped at any write', () => {
  it('leaves a readable table and a re-run erases the rows everywhere', async () => {
    const purge = { purgeWhere: `note = '${marker}'`, purge: true };
    const kept = allIds.filter((id) => id !== 4);
    let stops = 0;
    for (let allowed = 0; ; allowed++) {
      const root = path.join(dir, `run-${allowed}`);
      await cp(path.join(dir, 'pristine'), root, { recursive: true });
      const store = new LocalStore(root);
      const finished = await repackTable(failingAfter(store, allowed), purge).then(
        () => true,
        (e: Error) => {
          expect(e.message).toContain('stopped before write');
          return false;
        },
      );
      if (finished) break;
      stops++;
      // Readable, at every version the log still holds, with every row but (perhaps already) the purged one.
      expect([allIds, kept]).toContainEqual(await ids(store));
      for (const version of await readableVersions(store)) await ids(store, version);

      await repackTable(store, purge);
      expect(await ids(store)).toEqual(kept);
      expect(await objectsContaining(store, marker)).toEqual([]);
      await rm(root, { recursive: true, force: true });
    }
    expect(stops).toBeGreaterThan(8);
  });
});
