/**
 * Iceberg catalogs as saved connections of the workbench, over the local server: a REST catalog on
 * loopback with OAuth2 client credentials, whose table lives on the loopback S3 server and is read with
 * the credentials the catalog vends. The secret is sealed at rest and never returned; the catalog is
 * browsed as namespaces → tables; its table's history, manifests and files, a query by its three-part
 * name and a quality check all go through the connection; a second catalog may not take its name.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../core/api/workbench';
import { vendedS3Config, writeEventsOnS3 } from '../helpers/iceberg-catalogs';
import { startRestCatalogServer, type RestCatalogServer } from '../helpers/rest-catalog-server';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

const CLIENT_SECRET = 'catalog-s3cr3t-value';

let served: WorkbenchServer;
let s3: S3TestServer;
let rest: RestCatalogServer;
let work: string;
let current: string;
let saved: ConnectionInfo;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lakebench-catalog-connections-'));
  [served, s3] = await Promise.all([startWorkbenchServer(), startS3Server()]);
  await s3.createBucket('lake');
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const table = await writeEventsOnS3(join(work, 'events'), conn, s3, 45);
  conn.closeSync();
  current = table.snapshots[1]!;
  rest = await startRestCatalogServer({
    tables: [{ namespace: ['db'], name: 'events', metadataLocation: table.metadataLocation, metadataText: table.metadataText }],
    namespaces: [['db', 'empty']],
    client: { id: 'lakebench', secret: CLIENT_SECRET },
    vendedConfig: vendedS3Config(s3),
  });
});
afterAll(async () => {
  await rest?.stop();
  await served?.stop();
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

const restConnection = (credential = `lakebench:${CLIENT_SECRET}`) => ({ kind: 'iceberg-rest' as const, name: 'wh', uri: rest.uri, credential });

describe('a REST catalog connection', () => {
  it('seals its client credentials and never returns them; testing it lists the top namespaces', async () => {
    expect(await served.client.testConnection(restConnection('lakebench:wrong'))).toMatchObject({ ok: false, code: 'ACCESS_DENIED' });
    saved = await served.client.saveConnection(restConnection());
    expect(saved).toMatchObject({ name: 'wh', kind: 'iceberg-rest', root: 'wh', uri: rest.uri, hasSecret: true });
    expect(JSON.stringify([saved, await served.client.connections({})])).not.toContain(CLIENT_SECRET);
    for (const file of ['catalog.sqlite', 'catalog.sqlite-wal']) {
      const bytes = await readFile(join(served.home, file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(CLIENT_SECRET))).toBe(false);
    }
    expect(await served.client.testConnection({ id: saved.id })).toEqual({ ok: true, root: 'wh', entries: 1 });
  });

  it('opens as a workspace browsed as namespaces → tables, each table with its Iceberg capabilities', async () => {
    const workspace = await served.client.openWorkspace({ location: saved.root, connectionId: saved.id });
    expect(workspace).toMatchObject({ root: 'wh', connectionId: saved.id, isSample: false });
    expect(workspace.tables.map((t) => [t.key, t.location, t.layout])).toEqual([['db/events', 'wh.db.events', 'iceberg']]);
    const at = (prefix: string) => served.client.lsPage({ location: 'wh', connectionId: saved.id, prefix });
    expect((await at('')).entries.map((e) => e.key)).toEqual(['db/']);
    expect((await at('db/')).entries.map((e) => [e.kind, e.key, e.name])).toEqual([
      ['prefix', 'db/empty/', 'empty/'],
      ['prefix', 'db/events/', 'events/'],
    ]);
    // A table's row opened in the explorer holds nothing below it.
    expect((await at('db/events/')).entries).toEqual([]);
    await expect(served.client.lsPage({ location: 'wh', connectionId: saved.id, prefix: 'nowhere/' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("shows its table's history, manifests and a manifest's files through the connection", async () => {
    const where = { location: 'wh.db.events', connectionId: saved.id };
    const history = await served.client.history(where);
    expect(history.map((h) => h.version)[0]).toBe(current);
    expect(history).toHaveLength(2);
    const manifests = await served.client.manifests(where);
    expect(manifests.version).toBe(current);
    const files = await served.client.manifestFiles({ ...where, manifest: manifests.manifests[0]!.path });
    expect(files.files.every((f) => f.path.startsWith('s3://lake/wh/db/events/data/'))).toBe(true);
    const first = await served.client.files({ ...where, version: history[1]!.version });
    expect(first.files).toHaveLength(1);
  });

  it('queries its tables by <catalog>.<namespace>.<table> when it is the workspace', async () => {
    const started = await served.client.queryStart({ sql: `select kind, count(*) as n from wh.db.events group by kind order by kind nulls last` });
    const page = await served.client.queryPage({ queryId: started.queryId, offset: 0, limit: 10 });
    expect(page.rows).toEqual([
      ['click', 40],
      ['view', 9],
      [null, 1],
    ]);
    await served.client.queryClose({ queryId: started.queryId });
  });

  it('checks quality on its table, keeping the results under the table’s storage location', async () => {
    const report = await served.client.qualityRun({
      location: 'wh.db.events',
      connectionId: saved.id,
      rules: [{ name: 'kind_set', check_type: 'not_null', column_name: 'kind' }],
    });
    expect(report).toMatchObject({ table: 's3://lake/wh/db/events', version: current, passed: false });
    expect(report.results[0]).toMatchObject({ failing_rows: 1, total_rows: 50 });
    const history = await served.client.qualityHistory({ location: 'wh.db.events', connectionId: saved.id });
    expect(history.map((h) => h.tableVersion)).toEqual([current]);
  });

  it('refuses a second catalog of the same name, and a name SQL cannot say', async () => {
    await expect(served.client.saveConnection({ kind: 'iceberg-sql', name: 'WH', path: join(work, 'x.db') })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('a catalog named wh is saved already'),
    });
    await expect(served.client.saveConnection({ kind: 'iceberg-sql', name: 'my catalog', path: join(work, 'x.db') })).rejects.toMatchObject({ code: 'USAGE' });
    expect(await served.client.testConnection({ kind: 'iceberg-sql', name: 'other', path: join(work, 'missing.db') })).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
      message: expect.stringContaining('no Iceberg SQL catalog here'),
    });
  });

  it('once removed, its name no longer names a catalog', async () => {
    expect(await served.client.history({ location: 'wh.db.events' })).toHaveLength(2);
    await served.client.removeConnection({ id: saved.id });
    await expect(served.client.history({ location: 'wh.db.events' })).rejects.toMatchObject({ code: 'NOT_A_TABLE' });
  });
});
