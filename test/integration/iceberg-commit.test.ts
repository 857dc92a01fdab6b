/**
 * The Iceberg commit path through each kind of table pointer: a folder (`vN.metadata.json` created only
 * if absent, then `version-hint.text`), a SQL catalog (UPDATE … WHERE metadata_location = old) and a REST
 * catalog (commit with requirements). What is committed reads back through icebird (an independent
 * reader) and the engine; metadata keeps what the commit did not mean to change; lost races are retried
 * or end in CONFLICT with nothing visible.
 */
import Database from 'better-sqlite3';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { icebergRead } from 'icebird';
import { describe, expect, it } from 'vitest';
import { RestCatalog } from '../../core/formats/iceberg/catalog/rest-catalog';
import { defaultStoreOpener } from '../../core/formats/iceberg/catalog/table-location';
import { commitWithRetry, type CommitTarget } from '../../core/formats/iceberg/commit';
import { FileSystemTarget, RestCatalogTarget, SqlCatalogTarget } from '../../core/formats/iceberg/commit-targets';
import { parseExactJson } from '../../core/formats/iceberg/metadata';
import { commitSnapshot, produceSnapshot, snapshotCommit } from '../../core/formats/iceberg/snapshot-producer';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import { appendRows } from '../helpers/iceberg-appender';
import { writeSqlCatalog } from '../helpers/iceberg-catalogs';
import { icebergTestBed } from '../helpers/iceberg-test-bed';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { startRestCatalogServer } from '../helpers/rest-catalog-server';
import { startS3Server } from '../helpers/s3server';
import { uploadFolder } from '../helpers/upload-folder';


const FIELDS = [
  { id: 1, name: 'id', type: 'long' },
  { id: 2, name: 'kind', type: 'string' },
];
const IDS = { id: 1, kind: 2 };

const bed = icebergTestBed('iceberg-commit');

/** The ids the engine reads at the table's current snapshot, sorted. */
async function engineIds(table: IcebergTable, name: string): Promise<number[]> {
  const source = new IcebergSource(name, table);
  await source.prepare(bed.conn, `SELECT * FROM ${name}`, undefined);
  return (await bed.conn.runAndReadAll(`SELECT id FROM ${name} ORDER BY id`)).getRows().map((r) => Number(r[0]));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A table of 20 `old` rows (ids 0–19) in two files, catalog-style names or a folder's. */
async function writeTable(name: string, options: { location?: string; catalogNames?: boolean } = {}) {
  const tableDir = path.join(bed.dir, name);
  const writer = new IcebergTestWriter(tableDir, bed.conn, { fields: FIELDS, firstSnapshotId: 1000n, properties: { 'custom.prop': 'kept' }, ...options });
  const first = await writer.commit({ add: [{ sql: `SELECT range AS id, 'old' AS kind FROM range(0, 10)` }] });
  await writer.commit({ add: [{ sql: `SELECT range AS id, 'old' AS kind FROM range(10, 20)` }] });
  await writer.ref('first', first, 'tag');
  return { tableDir, writer, metadataFile: path.join(tableDir, writer.lastMetadataKey) };
}

/** Adds fields no reader of this repository knows to a metadata file: commits must carry them over. */
async function addUnknownFields(file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/^\{/, '{\n  "x-vendor": {"keep": [1, 2]},'));
}

describe('a folder table', () => {
  it('commits an append and a delete: icebird and the engine read the rows; metadata keeps what was not changed', async () => {
    const location = `${bed.url}/folder`;
    const { tableDir, writer, metadataFile } = await writeTable('folder', { location });
    await addUnknownFields(metadataFile);
    const store = new LocalStore(tableDir);
    const target = new FileSystemTarget(store);
    const before = await target.load();

    const appended = await appendRows(target, bed.conn, { sql: `SELECT range AS id, 'new' AS kind FROM range(100, 105)`, fieldIds: IDS });
    const firstFile = writer.files()[0]!.path;
    const deleted = await commitSnapshot(target, async () => ({ operation: 'delete', added: [], removed: new Set([firstFile]) }));

    const expected = [...range(10, 20), ...range(100, 105)];
    const theirs = (await icebergRead({ tableUrl: location })) as { id: bigint | number }[];
    expect(theirs.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(expected);
    const after = await IcebergTable.open(store);
    expect(await engineIds(after, 'folder_now')).toEqual(expected);

    // Two new versions, the hint on the last; the metadata carries over what the commits did not change.
    const version = Number(before.table.metadataKey.match(/v(\d+)/)![1]);
    expect(after.metadataKey).toBe(`metadata/v${version + 2}.metadata.json`);
    expect((await readFile(path.join(tableDir, 'metadata/version-hint.text'), 'utf8')).trim()).toBe(String(version + 2));
    const raw = parseExactJson(await readFile(path.join(tableDir, after.metadataKey), 'utf8')) as Record<string, unknown>;
    expect(raw['x-vendor']).toEqual({ keep: [1, 2] });
    expect(raw['format-version']).toBe(2);
    expect(after.metadata.properties['custom.prop']).toBe('kept');
    expect(after.metadata.refs.first).toEqual(before.table.metadata.refs.first);
    expect(after.metadata.refs.main!.snapshotId).toBe(deleted.result.snapshot['snapshot-id'].toString());
    expect(after.metadata.tableUuid).toBe(before.table.metadata.tableUuid);

    // Sequence numbers count up by one per snapshot; parents chain; both logs grow.
    const [append, remove] = after.metadata.snapshots.slice(-2);
    expect(append!.id).toBe(appended);
    expect(append!.sequenceNumber).toBe(before.table.metadata.lastSequenceNumber + 1);
    expect(remove!.sequenceNumber).toBe(append!.sequenceNumber + 1);
    expect(after.metadata.lastSequenceNumber).toBe(remove!.sequenceNumber);
    expect(append!.parentId).toBe(before.table.metadata.currentSnapshotId);
    expect(remove!.parentId).toBe(append!.id);
    expect(after.metadata.snapshotLog.slice(-2).map((e) => e.snapshotId)).toEqual([append!.id, remove!.id]);
    expect(after.metadata.metadataLog.map((e) => e.metadataFile)).toContain(`${location}/${before.table.metadataKey}`);
    expect(after.metadata.metadataLog).toHaveLength(before.table.metadata.metadataLog.length + 2);
    expect(remove!.operation).toBe('delete');
    expect(remove!.summary).toMatchObject({ 'deleted-data-files': '1', 'deleted-records': '10', 'total-records': '15', 'total-data-files': '2' });
    expect(append!.summary).toMatchObject({ 'added-data-files': '1', 'added-records': '5', 'total-records': '25' });

    // Travel: the tag still reads the first snapshot's rows, the removed file's entry is `deleted` now.
    const files = await after.files(after.snapshot());
    expect(files.map((f) => f.path)).not.toContain(firstFile);
    const entries = (await Promise.all((await after.manifests(remove!)).map((m) => after.manifestEntries(m)))).flat();
    expect(entries.find((e) => e.path === firstFile)).toMatchObject({ status: 2, snapshotId: remove!.id });
    expect((await after.files(after.snapshot({ kind: 'tag', name: 'first' }))).map((f) => f.path)).toEqual([firstFile]);
  });

  it('a lost race: the second of two commits built on one state is refused and leaves only unreferenced files', async () => {
    const { tableDir } = await writeTable('race');
    const target = new FileSystemTarget(new LocalStore(tableDir));
    const base = await target.load();
    const changes = (kind: string) => ({ operation: 'delete' as const, added: [], removed: new Set<string>(), summary: { kind } });
    const a = await produceSnapshot(base.table, changes('a'));
    const b = await produceSnapshot(base.table, changes('b'));
    expect(await target.swap(base, snapshotCommit(a))).toBe(true);
    expect(await target.swap(base, snapshotCommit(b))).toBe(false);
    const now = await target.load();
    expect(now.table.metadata.currentSnapshotId).toBe(a.snapshot['snapshot-id'].toString());
    expect(now.table.metadata.snapshots.map((s) => s.id)).not.toContain(b.snapshot['snapshot-id'].toString());
    const referenced = new Set((await now.table.manifests(now.table.snapshot()!)).map((m) => now.table.paths.keyOf(m.path)));
    for (const key of b.written) expect(referenced.has(key)).toBe(false);
  });

  it('a commit that may not be retried ends with CONFLICT; one that may lands on the fresh state', async () => {
    const { tableDir } = await writeTable('retry');
    const target = new FileSystemTarget(new LocalStore(tableDir));
    let sneaked = false;
    // Another writer commits between this one's read and its swap, once.
    const racing = async (state: Awaited<ReturnType<CommitTarget['load']>>) => {
      if (!sneaked) {
        sneaked = true;
        await appendRows(target, bed.conn, { sql: `SELECT 500::BIGINT AS id, 'other' AS kind`, fieldIds: IDS });
      }
      const produced = await produceSnapshot(state.table, { operation: 'append', added: [], removed: new Set() });
      return { commit: snapshotCommit(produced), result: produced };
    };
    await expect(commitWithRetry(target, racing, { attempts: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    sneaked = false;
    const committed = await commitWithRetry(target, racing);
    expect(committed.attempts).toBe(2);
    const table = await IcebergTable.open(new LocalStore(tableDir));
    expect(await engineIds(table, 'retry_now')).toEqual([...range(0, 20), 500, 500]);
    expect(table.metadata.currentSnapshotId).toBe(committed.result.snapshot['snapshot-id'].toString());
  });
});

describe('a folder table on S3', () => {
  it('racing appenders on put-if-absent metadata both land (retried); the engine reads every row', async () => {
    const s3 = await startS3Server({ conditionalWrites: true });
    try {
      await s3.createBucket('lake');
      const { tableDir } = await writeTable('ons3', { location: 's3://lake/wh/ons3' });
      const store = () => new S3Store({ client: s3.client, bucket: 'lake', prefix: 'wh/ons3', urlScheme: 's3', endpoint: s3.endpoint });
      await uploadFolder(tableDir, store());
      await Promise.all(
        [100, 101, 102].map((id) => appendRows(new FileSystemTarget(store()), bed.conn, { sql: `SELECT ${id}::BIGINT AS id, 's3' AS kind`, fieldIds: IDS }, { attempts: 6 })),
      );
      const table = await IcebergTable.open(store());
      expect(table.metadataKey).toBe('metadata/v6.metadata.json');
      expect(table.metadata.snapshots.map((s) => s.sequenceNumber).slice(-3)).toEqual([3, 4, 5]);
      const files = await table.files(table.snapshot());
      expect(files.reduce((n, f) => n + f.recordCount, 0)).toBe(23);
      const conditional = s3.requests.filter((r) => r.method === 'PUT' && r.url.includes('/metadata/v'));
      expect(conditional.length).toBeGreaterThanOrEqual(3);
    } finally {
      await s3.stop();
    }
  });
});

describe('a SQL catalog table', () => {
  it('two appenders racing through UPDATE … WHERE metadata_location = old both land; the row names the previous file', async () => {
    const { tableDir, metadataFile } = await writeTable('sqlcat', { catalogNames: true });
    const catalogFile = path.join(bed.dir, 'catalog.db');
    writeSqlCatalog(catalogFile, [{ catalog: 'prod', namespace: 'db', table: 'events', metadataLocation: `file:${metadataFile}` }]);
    const target = () => new SqlCatalogTarget({ path: catalogFile, catalogName: 'prod', namespace: ['db'], name: 'events', openStore: defaultStoreOpener() });
    await Promise.all([
      appendRows(target(), bed.conn, { sql: `SELECT 100::BIGINT AS id, 'a' AS kind`, fieldIds: IDS }),
      appendRows(target(), bed.conn, { sql: `SELECT 101::BIGINT AS id, 'b' AS kind`, fieldIds: IDS }),
    ]);
    const db = new Database(catalogFile, { readonly: true });
    const row = db.prepare('SELECT metadata_location AS now, previous_metadata_location AS previous FROM iceberg_tables').get() as { now: string; previous: string };
    db.close();
    expect(row.now).toMatch(/\/metadata\/00005-[0-9a-f-]+\.metadata\.json$/);
    expect(row.previous).toMatch(/\/metadata\/00004-[0-9a-f-]+\.metadata\.json$/);
    const state = await target().load();
    expect(await engineIds(state.table, 'sql_now')).toEqual([...range(0, 20), 100, 101]);
    expect(state.table.metadata.metadataLog.at(-1)!.metadataFile).toBe(row.previous);
    // The folder is the catalog's: committing through it would fork the table.
    await expect(new FileSystemTarget(new LocalStore(tableDir)).load()).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('a REST catalog table', () => {
  it('commits with requirements: racing appenders both land, a lost answer is read back, a failed requirement is a CONFLICT', async () => {
    const { metadataFile } = await writeTable('restcat', { catalogNames: true });
    const server = await startRestCatalogServer({
      token: 't',
      tables: [{ namespace: ['db'], name: 'events', metadataLocation: `file:${metadataFile}`, metadataText: await readFile(metadataFile, 'utf8') }],
      writeMetadata: (location, text) => writeFile(location.replace(/^file:/, ''), text),
    });
    try {
      const catalog = new RestCatalog({ uri: server.uri, token: 't', openStore: defaultStoreOpener(), backoffMs: 1 });
      const target = new RestCatalogTarget(catalog, ['db'], 'events');
      await Promise.all([
        appendRows(target, bed.conn, { sql: `SELECT 100::BIGINT AS id, 'a' AS kind`, fieldIds: IDS }),
        appendRows(new RestCatalogTarget(catalog, ['db'], 'events'), bed.conn, { sql: `SELECT 101::BIGINT AS id, 'b' AS kind`, fieldIds: IDS }),
      ]);
      const commits = server.requests.filter((r) => r.method === 'POST');
      expect(commits.length).toBeGreaterThanOrEqual(2);

      // The catalog applies the commit but its answer is lost (502): read back, it is ours — applied once.
      const before = (await target.load()).table.metadata.snapshots.length;
      const lost = { status: 502, count: 1 };
      const lossy = await startRestCatalogServer({
        token: 't',
        tables: [{ namespace: ['db'], name: 'events', ...(await currentOf(target)) }],
        writeMetadata: (location, text) => writeFile(location.replace(/^file:/, ''), text),
        loseCommitAnswers: lost,
      });
      try {
        const lossyTarget = new RestCatalogTarget(new RestCatalog({ uri: lossy.uri, token: 't', openStore: defaultStoreOpener(), backoffMs: 1 }), ['db'], 'events');
        await appendRows(lossyTarget, bed.conn, { sql: `SELECT 102::BIGINT AS id, 'c' AS kind`, fieldIds: IDS });
        expect(lost.count).toBe(0);
        const state = await lossyTarget.load();
        expect(state.table.metadata.snapshots).toHaveLength(before + 1);
        expect(await engineIds(state.table, 'rest_now')).toEqual([...range(0, 20), 100, 101, 102]);

        // A commit whose requirement fails (main moved) and may not be retried.
        const stale = await lossyTarget.load();
        await appendRows(lossyTarget, bed.conn, { sql: `SELECT 103::BIGINT AS id, 'd' AS kind`, fieldIds: IDS });
        const produced = await produceSnapshot(stale.table, { operation: 'append', added: [], removed: new Set() });
        expect(await lossyTarget.swap(stale, snapshotCommit(produced))).toBe(false);
      } finally {
        await lossy.stop();
      }
    } finally {
      await server.stop();
    }
  });
});

/** The metadata location and text a REST target's table is at now (to serve it from another catalog server). */
async function currentOf(target: RestCatalogTarget): Promise<{ metadataLocation: string; metadataText: string }> {
  const state = await target.load();
  return { metadataLocation: state.metadataLocation, metadataText: await readFile(state.metadataLocation.replace(/^file:/, ''), 'utf8') };
}
