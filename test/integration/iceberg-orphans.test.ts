/**
 * orphans / vacuum on Iceberg tables (remove_orphan_files): what no metadata file of the metadata log
 * reaches is an orphan, with its reason; recorded `s3a://` paths, percent-escapes and spaces match the
 * objects they name; files of snapshots only older metadata files hold are kept; newer metadata files
 * (a commit after the walk, a hint whose update was cut short) keep what they reach; the 3-day default
 * age and the 7-day vacuum guard; dry runs delete nothing; a table whose current snapshot cannot be
 * walked is refused. Every fixture vacuumed in a temp copy keeps its rows at every snapshot, and one
 * table on the loopback S3 server is vacuumed through the CLI.
 */
import { cp, mkdir, readFile, rename, unlink, utimes, writeFile } from 'node:fs/promises';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachableFiles } from '../../core/formats/iceberg/reachable';
import { findIcebergOrphans } from '../../core/ops/iceberg-orphans';
import { vacuumIcebergTable } from '../../core/ops/iceberg-vacuum';
import { verifyIcebergTable } from '../../core/ops/verify/iceberg-table';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import { filesOnDisk } from '../helpers/crash-checks';
import { fixture } from '../helpers/fixtures';
import { rowsBySnapshot } from '../helpers/iceberg-rows';
import { icebergTestBed } from '../helpers/iceberg-test-bed';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { runCli } from '../helpers/cli-process';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';

const DAY = 24 * 3600_000;
const bed = icebergTestBed('iceberg-orphans');
let n = 0;

const FIELDS = [
  { id: 1, name: 'id', type: 'long' },
  { id: 2, name: 'kind', type: 'string' },
];

/** Sets the modification time of every file under `root` to `ageMs` ago. */
async function age(root: string, ageMs: number, keys?: string[]): Promise<void> {
  const when = new Date(Date.now() - ageMs);
  for (const key of keys ?? (await filesOnDisk(root))) await utimes(path.join(root, key), when, when);
}

async function put(root: string, key: string, text = 'x'): Promise<void> {
  await mkdir(path.dirname(path.join(root, key)), { recursive: true });
  await writeFile(path.join(root, key), text);
}

/**
 * A table recorded at `s3a://warehouse/db/t` (read from a local folder): a file in a partition folder
 * whose name keeps its escape (`%3A`, as S3FileIO writes it), one recorded `with%20space` stored with a
 * space (as a `file:` URI records it), and a file the last commit removed (live only in the first snapshot).
 * The reader takes a recorded escape for a `file:` URI's (decoded), so tables that read rows leave out
 * the escaped partition folder (`escaped: false`).
 */
async function writtenTable({ escaped = true } = {}): Promise<{ w: IcebergTestWriter; removed: string }> {
  const w = new IcebergTestWriter(path.join(bed.dir, `t${n++}`), bed.conn, { location: 's3a://warehouse/db/t', fields: FIELDS });
  await w.commit({
    add: [
      { sql: `SELECT range AS id, 'a' AS kind FROM range(5)` },
      { sql: `SELECT range AS id, 'b' AS kind FROM range(5, 8)`, ...(escaped && { key: 'data/kind=b%3Ac/b.parquet' }) },
    ],
  });
  await w.commit({ add: [{ sql: `SELECT 8 AS id, 'c' AS kind`, key: 'data/with%20space.parquet' }] });
  await rename(path.join(w.dir, 'data/with%20space.parquet'), path.join(w.dir, 'data/with space.parquet'));
  const removed = w.files()[0]!.path;
  await w.commit({ operation: 'overwrite', remove: [removed], add: [{ sql: `SELECT range AS id, 'a2' AS kind FROM range(5)` }] });
  return { w, removed };
}

const keyOf = (w: IcebergTestWriter, recorded: string) => recorded.slice(w.location.length + 1);
const byKey = (orphans: { key: string; reason: string }[]) => Object.fromEntries(orphans.map((o) => [o.key, o.reason]));

type MetadataJson = Record<string, unknown> & { snapshots: Record<string, unknown>[]; 'metadata-log': unknown[] };

/** Edits a metadata file's JSON; 64-bit ids pass through exactly (as text, written back bare). */
async function editMetadata(file: string, edit: (json: MetadataJson) => void, to = file): Promise<void> {
  const json = JSON.parse(await readFile(file, 'utf8'), (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source ? `@@${context.source}@@` : value,
  ) as MetadataJson;
  edit(json);
  await writeFile(to, JSON.stringify(json, null, 2).replace(/"@@(-?\d+)@@"/g, '$1'));
}

/** Commits the current metadata as the next version without its `count` oldest snapshots: what expire commits. */
async function expireOldest(w: IcebergTestWriter, count: number): Promise<void> {
  const version = Number(/v(\d+)\.metadata\.json$/.exec(w.lastMetadataKey)![1]);
  await editMetadata(
    path.join(w.dir, w.lastMetadataKey),
    (json) => {
      const expired = new Set(json.snapshots.slice(0, count).map((s) => s['snapshot-id']));
      json.snapshots = json.snapshots.slice(count);
      delete json.snapshots[0]!['parent-snapshot-id'];
      json['snapshot-log'] = (json['snapshot-log'] as { 'snapshot-id': unknown }[]).filter((e) => !expired.has(e['snapshot-id']));
      json['metadata-log'] = [...json['metadata-log'], { 'timestamp-ms': 1, 'metadata-file': `${w.location}/${w.lastMetadataKey}` }];
    },
    path.join(w.dir, `metadata/v${version + 1}.metadata.json`),
  );
  await writeFile(path.join(w.dir, 'metadata/version-hint.text'), String(version + 1));
}

describe('orphans (Iceberg)', () => {
  it('names what no metadata file reaches, with its reason; escaped, spaced and s3a-recorded paths match their objects', async () => {
    const { w, removed } = await writtenTable();
    await put(w.dir, 'data/stray.parquet');
    await put(w.dir, 'data/kind=b%3Ac/stray.parquet');
    await put(w.dir, 'metadata/snap-1-lost.avro');
    await put(w.dir, 'metadata/v0.metadata.json', '{}');
    await put(w.dir, 'data/.lakebench-tmp-upload');
    await put(w.dir, '_spark_metadata/0');
    await put(w.dir, 'metadata/.v1.metadata.json.crc');
    const store = new LocalStore(w.dir);

    const all = await findIcebergOrphans(store, { olderThanMs: 0 });
    expect(byKey(all.orphans)).toEqual({
      'data/stray.parquet': 'unreferenced',
      'data/kind=b%3Ac/stray.parquet': 'unreferenced',
      'metadata/snap-1-lost.avro': 'unreferenced',
      'metadata/v0.metadata.json': 'unreferenced',
      'data/.lakebench-tmp-upload': 'temporary',
    });
    expect(all.bytes).toBe(all.orphans.reduce((sum, o) => sum + o.size, 0));
    expect(all.metadataFile).toBe(store.urlOf(w.lastMetadataKey));
    // The removed file is live in the first snapshot, which the current metadata still holds.
    expect(all.orphans.map((o) => o.key)).not.toContain(keyOf(w, removed));

    // Iceberg's default age: 3 days. Everything here is new, until made older.
    expect((await findIcebergOrphans(store)).orphans).toEqual([]);
    await age(w.dir, 4 * DAY, ['data/stray.parquet']);
    const old = await findIcebergOrphans(store);
    expect(old.olderThanMs).toBe(3 * DAY);
    expect(old.orphans.map((o) => [o.key, Math.round(o.ageMs / DAY)])).toEqual([['data/stray.parquet', 4]]);
  });

  it('lists what only expired snapshots reach (through older metadata files of the log) as expired-snapshot; a cut log makes it unreferenced', async () => {
    const { w, removed } = await writtenTable({ escaped: false });
    // The removed file was live in the two snapshots before its removal.
    await expireOldest(w, 2);
    const store = new LocalStore(w.dir);
    const removedKey = keyOf(w, removed);
    // Only the metadata files of the log still reach the first snapshots' files: what an expire cut short leaves.
    const expired = (await findIcebergOrphans(store, { olderThanMs: 0 })).orphans;
    expect(byKey(expired)[removedKey]).toBe('expired-snapshot');
    expect(expired.filter((o) => o.reason !== 'expired-snapshot')).toEqual([]);
    // Nothing the current metadata's snapshots need, and no metadata file of the log.
    const { retainedKeys } = await reachableFiles(store);
    expect(expired.filter((o) => retainedKeys.has(o.key) || o.key.endsWith('.metadata.json'))).toEqual([]);

    // Cut the log: the older metadata files and what only they reach become orphans ...
    const current = w.lastMetadataKey.replace(/v(\d+)/, (_, v: string) => `v${Number(v) + 1}`);
    await editMetadata(path.join(w.dir, current), (json) => {
      expect(json['metadata-log']).toHaveLength(3);
      json['metadata-log'] = [];
    });
    const cut = byKey((await findIcebergOrphans(store, { olderThanMs: 0 })).orphans);
    expect(cut[removedKey]).toBe('unreferenced');
    expect(cut['metadata/v1.metadata.json']).toBe('unreferenced');
    expect(cut[current]).toBeUndefined();
    // ... and a hint that lags behind changes nothing: the metadata file past it is still the current one.
    await writeFile(path.join(w.dir, 'metadata/version-hint.text'), '3');
    expect(byKey((await findIcebergOrphans(store, { olderThanMs: 0 })).orphans)).toEqual(cut);
  });

  it('refuses a table whose current snapshot cannot be walked, naming the missing manifest list', async () => {
    const { w } = await writtenTable();
    const text = await readFile(path.join(w.dir, w.lastMetadataKey), 'utf8');
    const lists = [...text.matchAll(/"manifest-list": "([^"]+)"/g)].map((m) => m[1]!);
    await unlink(path.join(w.dir, keyOf(w, lists[lists.length - 1]!)));
    await put(w.dir, 'data/stray.parquet');
    const store = new LocalStore(w.dir);
    await expect(findIcebergOrphans(store, { olderThanMs: 0 })).rejects.toThrow(/snap-.*\.avro.*a snapshot of the current metadata needs it/);
    await expect(vacuumIcebergTable(store, { retentionMs: 0, force: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await filesOnDisk(w.dir)).toContain('data/stray.parquet');
  });
});

describe('vacuum (Iceberg)', () => {
  it('deletes exactly the orphans older than the retention; rows at every snapshot and verify unchanged; dry run deletes nothing', async () => {
    const { w } = await writtenTable({ escaped: false });
    await put(w.dir, 'data/stray.parquet');
    await put(w.dir, 'metadata/snap-1-lost.avro');
    await put(w.dir, 'data/.lakebench-tmp-upload');
    await put(w.dir, '_spark_metadata/0');
    await age(w.dir, 8 * DAY);
    await put(w.dir, 'data/young.parquet');
    const store = new LocalStore(w.dir);
    const rows = await rowsBySnapshot(store);
    expect(rows.get('current')).toHaveLength(9);

    await expect(vacuumIcebergTable(store, { retentionMs: DAY })).rejects.toThrow(/refusing a vacuum retention of 1d.*--force/);
    const before = await filesOnDisk(w.dir);
    const plan = await vacuumIcebergTable(store, { dryRun: true });
    expect(plan.retentionMs).toBe(7 * DAY);
    expect(plan.deleted.map((d) => [d.object.slice(store.url.length + 1), d.reason]).sort()).toEqual([
      ['data/.lakebench-tmp-upload', 'orphan'],
      ['data/stray.parquet', 'orphan'],
      ['metadata/snap-1-lost.avro', 'orphan'],
    ]);
    expect(await filesOnDisk(w.dir)).toEqual(before);

    const done = await vacuumIcebergTable(store, {});
    expect(done.deleted).toEqual(plan.deleted);
    const after = await filesOnDisk(w.dir);
    expect(after.sort()).toEqual(before.filter((key) => !plan.deleted.some((d) => d.object.endsWith(`/${key}`))).sort());
    expect(after).toContain('data/young.parquet');
    expect(after).toContain('_spark_metadata/0');
    expect(await rowsBySnapshot(store)).toEqual(rows);
    expect((await verifyIcebergTable(store)).problems).toEqual([]);
  });

  it('keeps what a commit that lands while it lists reaches', async () => {
    const w = new IcebergTestWriter(path.join(bed.dir, `t${n++}`), bed.conn, { fields: FIELDS });
    await w.commit({ add: [{ sql: `SELECT 1 AS id, 'a' AS kind` }] });
    // The next commit's files are all written; its metadata file is held back until vacuum has listed.
    await w.commit({ add: [{ sql: `SELECT 2 AS id, 'b' AS kind` }] });
    const held = path.join(w.dir, '..', `held-${n}.json`);
    await rename(path.join(w.dir, w.lastMetadataKey), held);
    await writeFile(path.join(w.dir, 'metadata/version-hint.text'), '1');
    await age(w.dir, 30 * DAY);
    const store = new LocalStore(w.dir);
    expect((await findIcebergOrphans(store)).orphans.length).toBeGreaterThan(0);

    let landed = false;
    const result = await vacuumIcebergTable(store, {
      retentionMs: 0,
      force: true,
      onProgress: (p) => {
        if (p.phase === 'list' && p.done === p.total && !landed) {
          renameSync(held, path.join(w.dir, w.lastMetadataKey));
          writeFileSync(path.join(w.dir, 'metadata/version-hint.text'), '2');
          landed = true;
        }
      },
    });
    expect(landed).toBe(true);
    expect(result.deleted).toEqual([]);
    const rows = await rowsBySnapshot(store);
    expect(rows.get('current')).toHaveLength(2);
    expect((await verifyIcebergTable(store)).problems).toEqual([]);
  });

  for (const name of ['java/bunnies', 'spark/bunnies', 'spark/rename_column', 'athena/example']) {
    it(`${name}: a temp copy vacuumed with retention 0 loses only its strays and keeps its rows at every snapshot`, async () => {
      const copy = path.join(bed.dir, `fixture-${n++}`);
      await cp(fixture('iceberg', name), copy, { recursive: true });
      const store = new LocalStore(copy);
      const rows = await rowsBySnapshot(store);
      const files = await filesOnDisk(copy);
      await put(copy, 'data/stray-0001.parquet');
      await put(copy, 'metadata/stray-m0.avro');
      expect((await findIcebergOrphans(store, { olderThanMs: 0 })).orphans.map((o) => o.key).sort()).toEqual(['data/stray-0001.parquet', 'metadata/stray-m0.avro']);
      const result = await vacuumIcebergTable(store, { retentionMs: 0, force: true });
      expect(result.deleted).toHaveLength(2);
      expect((await filesOnDisk(copy)).sort()).toEqual(files.sort());
      expect(await rowsBySnapshot(store)).toEqual(rows);
      expect((await verifyIcebergTable(store)).problems).toEqual([]);
    });
  }
});

describe('orphans and vacuum on S3 through the CLI', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('lake');
  }, 60_000);
  afterAll(async () => s3?.stop());

  it('an Iceberg table recorded at s3a:// in bucket lake: orphans lists the strays, vacuum --retention 0 --force deletes only them', async () => {
    const w = new IcebergTestWriter(path.join(bed.dir, `t${n++}`), bed.conn, { location: 's3a://lake/wh/events', fields: FIELDS });
    await w.commit({ add: [{ sql: `SELECT range AS id, 'a' AS kind FROM range(3)` }] });
    await w.commit({ add: [{ sql: `SELECT 3 AS id, 'b' AS kind`, key: 'data/kind=b/b.parquet' }] });
    const store = new S3Store({ client: s3.client, bucket: 'lake', prefix: 'wh/events', urlScheme: 's3', endpoint: s3.endpoint });
    await uploadFolder(w.dir, store);
    await store.put('data/stray.parquet', 'x');
    await store.put('metadata/lost-m0.avro', 'x');
    const rows = await rowsBySnapshot(store);

    const listed = await runCli(['orphans', 's3://lake/wh/events', '--older-than', '0', '--json'], s3.env);
    expect(listed.code, listed.stderr).toBe(0);
    const report = JSON.parse(listed.stdout) as { orphans: { key: string; reason: string }[] };
    expect(report.orphans.map((o) => o.key).sort()).toEqual(['data/stray.parquet', 'metadata/lost-m0.avro']);
    // Everything on S3 is new: the default age (3 days) reports nothing.
    expect((await runCli(['orphans', 's3://lake/wh/events'], s3.env)).stdout).toMatch(/no orphans older than 3d/);

    const refused = await runCli(['vacuum', 's3://lake/wh/events', '--retention', '0'], s3.env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/pass --force/);
    const vacuumed = await runCli(['vacuum', 's3://lake/wh/events', '--retention', '0', '--force'], s3.env);
    expect(vacuumed.code, vacuumed.stderr).toBe(0);
    expect(vacuumed.stdout).toMatch(/deleted 2 files/);
    expect(await store.head('data/stray.parquet')).toBeUndefined();
    expect(await store.head('data/kind=b/b.parquet')).toBeDefined();
    expect(await rowsBySnapshot(store)).toEqual(rows);
    expect((await verifyIcebergTable(store)).problems).toEqual([]);
  }, 60_000);
});
