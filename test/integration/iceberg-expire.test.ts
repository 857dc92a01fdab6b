/**
 * expire on Iceberg tables (expire_snapshots): snapshots older than the retention go in one commit,
 * keeping the newest per branch (min-snapshots-to-keep), tagged snapshots and what refs protect; then the
 * manifest lists, manifests and data files only they reached are deleted. The rows at the current and at
 * every retained snapshot are unchanged (read back through DuckDB), verify is clean, and what is left is
 * exactly what the new metadata reaches (no orphan, no leftover). A
 * dry run commits and deletes nothing; a run cut short after its commit leaves files the next run finds.
 * Every fixture of test/fixtures/iceberg compacted, expired (a day later, retention 0) and vacuumed
 * (retention 0) in a temp copy keeps its rows, verifies clean and holds only what its metadata reaches.
 */
import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStoreOpener } from '../../core/formats/iceberg/catalog/table-location';
import type { CommitTarget } from '../../core/formats/iceberg/commit';
import { FileSystemTarget, SqlCatalogTarget } from '../../core/formats/iceberg/commit-targets';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { compactIcebergTable } from '../../core/ops/iceberg-compact';
import { reachableFiles } from '../../core/formats/iceberg/reachable';
import { expireIceberg, expireIcebergTable } from '../../core/ops/iceberg-expire';
import { findIcebergOrphans } from '../../core/ops/iceberg-orphans';
import { vacuumIcebergTable } from '../../core/ops/iceberg-vacuum';
import { verifyIcebergTable } from '../../core/ops/verify/iceberg-table';
import { LocalStore } from '../../core/storage/local';
import { filesOnDisk } from '../helpers/crash-checks';
import { fixture } from '../helpers/fixtures';
import { writeSqlCatalog } from '../helpers/iceberg-catalogs';
import { rowsBySnapshot } from '../helpers/iceberg-rows';
import { icebergTestBed } from '../helpers/iceberg-test-bed';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { runCli } from '../helpers/cli-process';

const DAY = 24 * 3600_000;
const bed = icebergTestBed('iceberg-expire');
let n = 0;

/** Five snapshots a minute apart: A, +B, −A +C (overwrite), +D, +E. Returns the writer, the ids, and A's key. */
async function history(properties: Record<string, string> = {}) {
  const w = new IcebergTestWriter(path.join(bed.dir, `t${n++}`), bed.conn, { fields: [{ id: 1, name: 'id', type: 'long' }, { id: 2, name: 'kind', type: 'string' }], properties });
  const ids: string[] = [];
  ids.push(String(await w.commit({ add: [{ sql: `SELECT range AS id, 'a' AS kind FROM range(4)` }] })));
  ids.push(String(await w.commit({ add: [{ sql: `SELECT 10 AS id, 'b' AS kind` }] })));
  const a = w.files()[0]!.path;
  ids.push(String(await w.commit({ operation: 'overwrite', remove: [a], add: [{ sql: `SELECT range AS id, 'c' AS kind FROM range(2)` }] })));
  ids.push(String(await w.commit({ add: [{ sql: `SELECT 20 AS id, 'd' AS kind` }] })));
  ids.push(String(await w.commit({ add: [{ sql: `SELECT 30 AS id, 'e' AS kind` }] })));
  return { w, ids, aKey: a.slice(w.location.length + 1), store: new LocalStore(w.dir), lastAt: w.clock };
}

/** Rows per retained snapshot id before, restricted to the ids the table still holds. */
const restrict = (rows: Map<string, string[]>, keep: string[]) => new Map([...rows].filter(([id]) => id === 'current' || keep.includes(id)));

/** After an expire: verify clean, and on disk only what the metadata reaches (no orphan, no leftover). */
async function onlyReachable(store: LocalStore, root: string): Promise<void> {
  expect((await verifyIcebergTable(store)).problems).toEqual([]);
  const { retainedKeys } = await reachableFiles(store);
  expect((await filesOnDisk(root)).filter((key) => !retainedKeys.has(key))).toEqual([]);
  expect((await findIcebergOrphans(store, { olderThanMs: 0 })).orphans).toEqual([]);
}

describe('expire (Iceberg)', () => {
  it('keeps snapshots younger than the retention and the newest one; deletes what only expired snapshots reached', async () => {
    const { ids, aKey, store, w, lastAt } = await history();
    const before = await rowsBySnapshot(store);
    // Half a minute after the last commit, with a 3-minute retention: the last three are young.
    const now = lastAt + 30_000;
    const plan = await expireIceberg(store, undefined, { olderThanMs: 3 * 60_000, now, dryRun: true });
    expect(plan.expired).toEqual(ids.slice(0, 2));
    expect(plan.deleted.map((d) => d.object)).toContain(store.urlOf(aKey));
    const onDisk = await filesOnDisk(w.dir);
    expect((await IcebergTable.open(store)).metadata.snapshots).toHaveLength(5);

    const done = await expireIceberg(store, undefined, { olderThanMs: 3 * 60_000, now });
    expect(done.expired).toEqual(plan.expired);
    expect(done.deleted).toEqual(plan.deleted);
    expect(done.retained).toBe(3);
    const after = await IcebergTable.open(store);
    expect(after.metadata.snapshots.map((s) => s.id)).toEqual(ids.slice(2));
    expect(after.metadata.metadataLog.length).toBeGreaterThan(0);
    expect(await rowsBySnapshot(store)).toEqual(restrict(before, ids.slice(2)));
    // Less what the plan named, plus the commit's metadata file.
    const kept = onDisk.filter((key) => !plan.deleted.some((d) => d.object === store.urlOf(key)));
    expect((await filesOnDisk(w.dir)).sort()).toEqual([...kept, after.metadataKey].sort());
    await onlyReachable(store, w.dir);
    // Nothing more to do.
    expect(await expireIceberg(store, undefined, { olderThanMs: 3 * 60_000, now })).toMatchObject({ expired: [], deleted: [] });
  });

  it('takes the table properties as defaults (5 days; min-snapshots-to-keep), a tag keeps its snapshot, and --retain-last wins', async () => {
    const { ids, store, w, lastAt, aKey } = await history({ 'history.expire.min-snapshots-to-keep': '2' });
    await w.ref('audit', BigInt(ids[1]!), 'tag');
    const before = await rowsBySnapshot(store);
    const now = lastAt + 6 * DAY;
    const result = await expireIceberg(store, undefined, { now });
    // Everything is older than 5 days: the newest two on main, and the tagged one, stay.
    expect(result.retention).toMatch(/^5d, keeping at least 2 per branch/);
    expect(result.expired).toEqual([ids[0], ids[2]]);
    expect(await rowsBySnapshot(store)).toEqual(restrict(before, [ids[1]!, ids[3]!, ids[4]!]));
    // A is live in the tagged snapshot: kept.
    expect(result.deleted.map((d) => d.object)).not.toContain(store.urlOf(aKey));
    await onlyReachable(store, w.dir);
    expect((await expireIceberg(store, undefined, { now, retainLast: 1 })).expired).toEqual([ids[3]]);
    await onlyReachable(store, w.dir);
  });

  it('a run stopped after its commit leaves files the next run (and its dry run) finds and deletes', async () => {
    const { ids, store, w, lastAt } = await history();
    const before = await rowsBySnapshot(store);
    const stop = new AbortController();
    await expect(
      expireIceberg(store, undefined, {
        olderThanMs: 0,
        now: lastAt + 1,
        signal: stop.signal,
        onProgress: (p) => p.phase === 'commit' && p.done === 1 && stop.abort(),
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await IcebergTable.open(store)).metadata.snapshots.map((s) => s.id)).toEqual([ids[4]]);
    expect((await verifyIcebergTable(store)).problems).toEqual([]);
    const leftovers = await expireIceberg(store, undefined, { olderThanMs: 0, now: lastAt + 1, dryRun: true });
    expect(leftovers.expired).toEqual([]);
    expect(leftovers.deleted.length).toBeGreaterThan(0);
    const done = await expireIceberg(store, undefined, { olderThanMs: 0, now: lastAt + 1 });
    expect(done.deleted).toEqual(leftovers.deleted);
    expect(await rowsBySnapshot(store)).toEqual(restrict(before, [ids[4]!]));
    await onlyReachable(store, w.dir);
  });

  it('after a run stopped after its commit, orphans lists the leftovers as expired-snapshot and vacuum deletes them', async () => {
    const { ids, store, w, lastAt } = await history();
    const before = await rowsBySnapshot(store);
    const stop = new AbortController();
    const onProgress = (p: { phase: string; done: number }) => p.phase === 'commit' && p.done === 1 && stop.abort();
    await expect(expireIceberg(store, undefined, { olderThanMs: 0, now: lastAt + 1, signal: stop.signal, onProgress })).rejects.toMatchObject({ code: 'CANCELLED' });
    const leftovers = (await expireIceberg(store, undefined, { olderThanMs: 0, now: lastAt + 1, dryRun: true })).deleted.map((d) => d.object);
    expect(leftovers.length).toBeGreaterThan(0);
    const { orphans } = await findIcebergOrphans(store, { olderThanMs: 0 });
    expect(orphans.map((o) => o.object).sort()).toEqual([...leftovers].sort());
    expect(new Set(orphans.map((o) => o.reason))).toEqual(new Set(['expired-snapshot']));
    // Vacuum keeps them while they are younger than the retention, then deletes them like other orphans.
    expect((await vacuumIcebergTable(store, { retentionMs: 10 * DAY, force: true })).deleted).toEqual([]);
    const vacuumed = await vacuumIcebergTable(store, { retentionMs: 0, force: true });
    expect(vacuumed.deleted.map((d) => d.object).sort()).toEqual([...leftovers].sort());
    expect(await rowsBySnapshot(store)).toEqual(restrict(before, [ids[4]!]));
    await onlyReachable(store, w.dir);
  });

  it('through the CLI: --dry-run lists and changes nothing, a run expires and deletes', async () => {
    const { ids, store, w } = await history();
    const before = await rowsBySnapshot(store);
    const plan = await runCli(['expire', w.dir, '--older-than', '0', '--retain-last', '2', '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/dry run: would expire 3 snapshot\(s\)/);
    expect((await IcebergTable.open(store)).metadata.snapshots).toHaveLength(5);
    const run = await runCli(['expire', w.dir, '--older-than', '0', '--retain-last', '2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { expired: string[] }).expired).toEqual(ids.slice(0, 3));
    const metadataFileName = (await readdir(path.join(w.dir, 'metadata'))).filter((f) => /^v\d+\.metadata\.json$/.test(f)).sort((a, b) => Number(a.slice(1).split('.')[0]) - Number(b.slice(1).split('.')[0])).pop()!;
    expect(metadataFileName).toBe('v6.metadata.json');
    expect(await rowsBySnapshot(store)).toEqual(restrict(before, ids.slice(3)));
    await onlyReachable(store, w.dir);
  });
});

describe('every fixture compacted, expired and vacuumed in a temp copy', () => {
  for (const name of ['java/bunnies', 'spark/bunnies', 'spark/rename_column', 'athena/example']) {
    it(`${name}: keeps its rows, verifies clean and holds only what its metadata reaches`, async () => {
      const copy = path.join(bed.dir, 'fixtures', name);
      await cp(fixture('iceberg', name), copy, { recursive: true });
      const store = new LocalStore(copy);
      const opened = await IcebergTable.open(store);
      let target: CommitTarget = new FileSystemTarget(store);
      if (!/^metadata\/v\d+\.metadata\.json$/.test(opened.metadataKey)) {
        // Catalog-named metadata (Athena): committed through a SQL catalog row pointing at it.
        const catalog = path.join(bed.dir, `${name.replace('/', '-')}.db`);
        writeSqlCatalog(catalog, [{ catalog: 'c', namespace: 'db', table: 't', metadataLocation: `${copy}/${opened.metadataKey}` }]);
        target = new SqlCatalogTarget({ path: catalog, catalogName: 'c', namespace: ['db'], name: 't', openStore: defaultStoreOpener() });
      }
      const before = (await rowsBySnapshot(store)).get('current');
      const snapshotsBefore = opened.metadata.snapshots.length;

      const compacted = await compactIcebergTable(target, { targetSize: 1 << 30, minFiles: 1, all: true });
      expect(compacted.filesRemoved).toBeGreaterThan(0);
      // A day after now with retention 0: every snapshot but the current one (the newest is always kept).
      const expired = await expireIcebergTable(store, target, { olderThanMs: 0, now: Date.now() + DAY });
      expect(expired.expired).toHaveLength(snapshotsBefore);
      expect(expired.deleted.length).toBeGreaterThan(0);
      await vacuumIcebergTable(store, { retentionMs: 0, force: true });

      const after = await IcebergTable.open(store);
      expect(after.metadata.snapshots.map((s) => s.id)).toEqual([compacted.snapshotId]);
      const rows = await rowsBySnapshot(store);
      expect(rows.get('current')).toEqual(before);
      await onlyReachable(store, copy);
    });
  }
});
