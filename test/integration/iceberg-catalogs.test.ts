/**
 * Iceberg catalogs against real components: a SQL catalog in SQLite (pyiceberg's `iceberg_tables`
 * schema) pointing at the fixture tables, and the REST client against a loopback REST catalog
 * (test/helpers/rest-catalog-server.ts, after the OpenAPI spec) serving a table that lives on the
 * loopback S3 server, reached with the credentials the catalog vends. Auth by bearer token and OAuth2
 * client credentials (with a 419 refresh), the R2-style warehouse prefix, paging, retries on 5xx/429,
 * and 401/403/404 errors.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, parseCatalogRef } from '../../core/formats/iceberg/catalog/catalog';
import { RestCatalog } from '../../core/formats/iceberg/catalog/rest-catalog';
import { defaultStoreOpener } from '../../core/formats/iceberg/catalog/table-location';
import type { IcebergTable } from '../../core/formats/iceberg/table';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { SqlSession } from '../../core/sql/session';
import { FileCache } from '../../core/storage/cache';
import { fixture } from '../helpers/fixtures';
import { vendedS3Config, writeEventsOnS3, writeSqlCatalog } from '../helpers/iceberg-catalogs';
import { startRestCatalogServer, type RestCatalogServer } from '../helpers/rest-catalog-server';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let dir: string;
let conn: DuckDBConnection;
let cache: FileCache;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-iceberg-catalogs-'));
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  cache = new FileCache(path.join(dir, 'cache'), 1 << 30);
});
afterAll(async () => {
  conn.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function count(table: IcebergTable): Promise<number> {
  const source = new IcebergSource('t', table, undefined, cache);
  await source.prepare(conn, 'SELECT count(*) FROM t', undefined);
  return Number((await conn.runAndReadAll('SELECT count(*) FROM t')).getRows()[0]![0]);
}

describe('SQL catalog (SQLite, as pyiceberg and JDBC write it)', () => {
  let dbPath: string;
  beforeAll(() => {
    dbPath = path.join(dir, 'catalog.db');
    writeSqlCatalog(
      dbPath,
      [
        { catalog: 'prod', namespace: 'zoo', table: 'bunnies', metadataLocation: fixture('iceberg/java/bunnies/metadata/v5.metadata.json'), previousMetadataLocation: fixture('iceberg/java/bunnies/metadata/v4.metadata.json') },
        { catalog: 'prod', namespace: 'zoo.archive', table: 'bunnies_v4', metadataLocation: `file://${fixture('iceberg/java/bunnies/metadata/v4.metadata.json')}` },
        { catalog: 'prod', namespace: 'crm', table: 'people', metadataLocation: fixture('iceberg/athena/example/metadata/00001-aaf0d033-d06b-43c7-be60-67f83abd4aca.metadata.json') },
        { catalog: 'staging', namespace: 'zoo', table: 'bunnies', metadataLocation: fixture('iceberg/java/bunnies/metadata/v2.metadata.json') },
      ],
      [['prod', 'empty']],
    );
  });

  it('lists namespaces and tables and reads each table at the metadata the catalog points to', async () => {
    const catalog = openCatalog(`sqlite://${dbPath}?catalog=prod`, defaultStoreOpener());
    expect(await catalog.listNamespaces()).toEqual([['crm'], ['empty'], ['zoo']]);
    expect(await catalog.listNamespaces(['zoo'])).toEqual([['zoo', 'archive']]);
    expect(await catalog.listTables(['zoo'])).toEqual([{ namespace: ['zoo'], name: 'bunnies' }]);
    expect(await count(await catalog.loadTable(['zoo'], 'bunnies'))).toBe(15);
    expect(await count(await catalog.loadTable(['zoo', 'archive'], 'bunnies_v4'))).toBe(15);
    expect(await count(await catalog.loadTable(['crm'], 'people'))).toBe(2);
    const staging = openCatalog(`${dbPath}?catalog=staging`, defaultStoreOpener());
    expect(await count(await staging.loadTable(['zoo'], 'bunnies'))).toBe(21);
  });

  it('names what is wrong: several catalogs without a choice, an unknown table, a file that is no catalog', async () => {
    expect(() => openCatalog(dbPath, defaultStoreOpener())).toThrow(/several catalogs \(prod, staging\)/);
    const catalog = openCatalog(`${dbPath}?catalog=prod`, defaultStoreOpener());
    await expect(catalog.loadTable(['zoo'], 'hares')).rejects.toThrow(/table zoo.hares is not in catalog prod/);
    expect(() => openCatalog(path.join(dir, 'nothing.db'), defaultStoreOpener())).toThrow(/no Iceberg SQL catalog here/);
    expect(parseCatalogRef('prod=sqlite:///x.db')).toEqual({ name: 'prod', uri: 'sqlite:///x.db' });
    expect(() => parseCatalogRef('no-equals')).toThrow(/<name>=<uri>/);
  });
});

describe('REST catalog client against a loopback REST catalog and S3 server', () => {
  let s3: S3TestServer;
  let rest: RestCatalogServer;
  let metadataText: string;
  let metadataLocation: string;

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('lake');
    ({ metadataLocation, metadataText } = await writeEventsOnS3(path.join(dir, 'events'), conn, s3));
    rest = await startRestCatalogServer({
      tables: [
        { namespace: ['db'], name: 'events', metadataLocation, metadataText },
        { namespace: ['db'], name: 'secret', metadataLocation, metadataText },
        { namespace: ['db', 'nested'], name: 'events_copy', metadataLocation, metadataText },
      ],
      namespaces: [['empty'], ['ops']],
      warehouse: { name: 'acct_lake', prefix: 'acct_lake' },
      token: 'static-token',
      client: { id: 'lakebench', secret: 's3cr3t', tokenTtlSeconds: 3600 },
      vendedConfig: vendedS3Config(s3),
      forbidden: ['db.secret'],
      pageSize: 1,
    });
  });
  afterAll(async () => {
    await rest?.stop();
    await s3?.stop();
  });

  const catalog = (options: { token?: string; credential?: string } = { token: 'static-token' }) =>
    new RestCatalog({ uri: rest.uri, warehouse: 'acct_lake', openStore: defaultStoreOpener(), backoffMs: 1, ...options });

  it('with a bearer token: config prefix, paged namespaces and tables, load-table with vended S3 credentials', async () => {
    const client = catalog();
    expect(await client.listNamespaces()).toEqual([['db'], ['empty'], ['ops']]);
    expect(await client.listNamespaces(['db'])).toEqual([['db', 'nested']]);
    expect(await client.listTables(['db'])).toEqual([
      { namespace: ['db'], name: 'events' },
      { namespace: ['db'], name: 'secret' },
    ]);
    const table = await client.loadTable(['db'], 'events');
    expect(table.url).toBe('s3://lake/wh/db/events');
    expect(table.history()).toHaveLength(2);
    expect(await count(table)).toBe(50);
    expect(await count(await client.loadTable(['db', 'nested'], 'events_copy'))).toBe(50);
    const calls = rest.requests.map((r) => r.url);
    expect(calls[0]).toBe('/v1/config?warehouse=acct_lake');
    expect(calls).toContain('/v1/acct_lake/namespaces?pageToken=1');
    expect(calls).toContain('/v1/acct_lake/namespaces/db%1Fnested/tables/events_copy');
    expect(rest.requests.every((r) => r.auth === 'Bearer static-token')).toBe(true);
    expect(rest.requests.find((r) => r.url.endsWith('/tables/events'))!.delegation).toBe('vended-credentials');
  });

  it('a pruned query on the remote table fetches only the files its WHERE can match', async () => {
    const table = await catalog().loadTable(['db'], 'events');
    const fresh = new FileCache(path.join(dir, 'cache-pruned'), 1 << 30);
    const source = new IcebergSource('events', table, undefined, fresh);
    const before = s3.requests.length;
    const prepared = await source.prepare(conn, `SELECT count(*) AS n FROM events WHERE kind = 'view'`, { viewName: 'events_pruned' });
    const downloads = s3.requests.slice(before).filter((r) => r.method === 'GET' && r.url.includes('/data/'));
    expect(downloads).toHaveLength(1);
    expect((await conn.runAndReadAll(prepared.sql)).getRowObjectsJson()).toEqual([{ n: '10' }]);
  });

  it('attached to a SQL session: <catalog>.<namespace>.<table> loads on first use, and a WHERE prunes what is fetched', async () => {
    const client = catalog();
    const session = await SqlSession.create({ cache: new FileCache(path.join(dir, 'cache-session'), 1 << 30) });
    try {
      session.attachCatalog('r2', (namespace, table) => client.loadTable(namespace, table));
      const loads = () => rest.requests.filter((r) => r.url.includes('/tables/events')).length;
      const before = { loads: loads(), s3: s3.requests.length };
      expect((await session.query(`SELECT count(*) AS n FROM r2.db.events WHERE kind = 'view'`)).rows).toEqual([{ n: 10 }]);
      const fetched = s3.requests.slice(before.s3).filter((r) => r.method === 'GET' && r.url.includes('/data/'));
      expect(fetched).toHaveLength(1);
      expect((await session.query('SELECT count(*) AS n FROM R2.DB.EVENTS')).rows).toEqual([{ n: 50 }]);
      expect(loads()).toBe(before.loads + 1);
      await expect(session.query('SELECT * FROM r2.db.nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      session.close();
    }
  });

  it('with OAuth2 client credentials, and a fresh token after a 419', async () => {
    const client = catalog({ credential: 'lakebench:s3cr3t' });
    expect(await client.listTables(['ops'])).toEqual([]);
    rest.expireTokens();
    const before = rest.requests.filter((r) => r.url === '/v1/oauth/tokens').length;
    expect(await count(await client.loadTable(['db'], 'events'))).toBe(50);
    expect(rest.requests.filter((r) => r.url === '/v1/oauth/tokens').length).toBe(before + 1);
    await expect(catalog({ credential: 'lakebench:wrong' }).listNamespaces()).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringMatching(/the catalog refused the client credentials \(401 invalid_client/),
    });
  });

  it('retries 5xx and 429, then fails with the status; 401, 403 and 404 fail at once with the server’s message', async () => {
    const client = catalog();
    await client.properties();
    rest.failNext(503, 2);
    expect(await client.listTables(['db'])).toHaveLength(2);
    rest.failNext(429, 1);
    expect(await client.listNamespaces()).toHaveLength(3);
    rest.failNext(500, 10);
    await expect(client.listNamespaces()).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/500 ServiceFailureException: injected failure/) });
    rest.failNext(500, 0);
    await expect(catalog({ token: 'wrong' }).listNamespaces()).rejects.toMatchObject({ code: 'ACCESS_DENIED', message: expect.stringMatching(/401 NotAuthorizedException/) });
    await expect(client.loadTable(['db'], 'secret')).rejects.toMatchObject({ code: 'ACCESS_DENIED', message: expect.stringMatching(/403 ForbiddenException: Principal may not read db.secret/) });
    await expect(client.loadTable(['db'], 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/table db.nope does not exist in the catalog \(404 NoSuchTableException/) });
    await expect(client.listTables(['nowhere'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(new RestCatalog({ uri: rest.uri, warehouse: 'other', token: 'static-token', openStore: defaultStoreOpener() }).listNamespaces()).rejects.toThrow(/unknown warehouse other/);
  });
});
