/**
 * Versions in SQL for a catalog's tables: `prod.zoo.bunnies@<snapshot id>` in `lakebench sql` and in the
 * API's sessions, and the editor's completion of the versions after `prod.zoo.bunnies@`. The table is a
 * fixture written by Iceberg's Java API, reached through a SQL catalog (SQLite) pointing at its metadata.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type LakebenchApi } from '../../core/api/api';
import { complete } from '../../core/api/completion';
import { openCatalog } from '../../core/formats/iceberg/catalog/catalog';
import { defaultStoreOpener } from '../../core/formats/iceberg/catalog/table-location';
import { SqlSession } from '../../core/sql/session';
import { versionsInSql } from '../../core/sql/versions-in-sql';
import { runCli } from '../helpers/cli-process';
import { fixture } from '../helpers/fixtures';
import { writeSqlCatalog } from '../helpers/iceberg-catalogs';

const TABLE = 'prod.zoo.bunnies';
let dir: string;
let catalogFile: string;
let api: LakebenchApi;
let env: Record<string, string>;
/** The table's snapshots, oldest first. */
let snapshots: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-versions-catalog-'));
  catalogFile = path.join(dir, 'catalog.db');
  writeSqlCatalog(catalogFile, [{ catalog: 'prod', namespace: 'zoo', table: 'bunnies', metadataLocation: fixture('iceberg/java/bunnies/metadata/v5.metadata.json') }]);
  env = { LAKEBENCH_HOME: path.join(dir, 'home') };
  api = createApi({ catalogPath: path.join(dir, 'app.sqlite'), cacheDir: path.join(dir, 'cache') });
  api.catalogs.add('prod', openCatalog(`sqlite://${catalogFile}`, defaultStoreOpener()));
  snapshots = (await api.history({ location: TABLE })).sort((a, b) => a.ordinal - b.ordinal).map((h) => h.version);
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Rows of the table at a version, read through a binding (`--table t=<table>@<version>`), the older way. */
async function boundCount(version: string): Promise<number> {
  const session = await api.openSqlSession({ tables: [{ name: 't', location: TABLE, version }] });
  try {
    return Number((await session.query('select count(*) as n from t')).rows[0].n);
  } finally {
    session.close();
  }
}

describe('versions of a catalog table in SQL', () => {
  it('reads two snapshots of prod.zoo.bunnies in one query, as the bindings do', async () => {
    expect(snapshots.length).toBeGreaterThan(1);
    const [first, latest] = [snapshots[0], snapshots.at(-1)!];
    const expected = { first: await boundCount(first), latest: await boundCount(latest) };
    expect(expected.first).not.toBe(expected.latest);

    const text = `select (select count(*) from ${TABLE}@${first}) as first, (select count(*) from ${TABLE}@${latest}) as latest`;
    const versioned = versionsInSql(text);
    const session = await api.openSqlSession({ versionRefs: versioned.refs });
    try {
      const [row] = (await session.query(versioned.sql)).rows;
      expect({ first: Number(row.first), latest: Number(row.latest) }).toEqual(expected);
    } finally {
      session.close();
    }

    const run = await runCli(['sql', text, `--catalog=prod=sqlite://${catalogFile}`, '--json'], env);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([expected]);
  });

  it('reads a bare name@version as the one catalog table of that name (a catalog workspace), in the API and the CLI', async () => {
    const [first, latest] = [snapshots[0]!, snapshots.at(-1)!];
    const versioned = versionsInSql(`select (select count(*) from bunnies@${first}) as first, (select count(*) from "bunnies"@${latest}) as latest`);
    const session = await api.openSqlSession({ lake: 'prod', versionRefs: versioned.refs });
    try {
      const [row] = (await session.query(versioned.sql)).rows;
      expect({ first: Number(row.first), latest: Number(row.latest) }).toEqual({ first: await boundCount(first), latest: await boundCount(latest) });
    } finally {
      session.close();
    }
    const run = await runCli(['sql', `select count(*) as n from "bunnies"@${first}`, `--catalog=prod=sqlite://${catalogFile}`, '--json'], env);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([{ n: await boundCount(first) }]);
  });

  it('refuses a bare name two catalog tables have, naming both', async () => {
    const twice = path.join(dir, 'twice.db');
    const metadataLocation = fixture('iceberg/java/bunnies/metadata/v5.metadata.json');
    writeSqlCatalog(twice, ['zoo', 'farm'].map((namespace) => ({ catalog: 'twice', namespace, table: 'bunnies', metadataLocation })));
    api.catalogs.add('twice', openCatalog(`sqlite://${twice}`, defaultStoreOpener()));
    try {
      const versioned = versionsInSql(`select count(*) from bunnies@${snapshots[0]}`);
      await expect(api.openSqlSession({ lake: 'twice', versionRefs: versioned.refs })).rejects.toThrow(
        `bunnies@${snapshots[0]}: 2 catalog tables are named bunnies (twice.farm.bunnies, twice.zoo.bunnies): write the qualified name`,
      );
    } finally {
      api.catalogs.remove('twice');
    }
  });

  it('refuses a version of a table no catalog has, naming it', async () => {
    const run = await runCli(['sql', `select * from prod.zoo.hares@${snapshots[0]}`, `--catalog=prod=sqlite://${catalogFile}`], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('table zoo.hares is not in catalog prod');
  });

  it('completes the snapshots after prod.zoo.bunnies@, newest first', async () => {
    const session = await SqlSession.create({ threads: 1 });
    try {
      const versionsOf = async ({ location }: { location: string }) => (await api.history({ location })).sort((a, b) => b.ordinal - a.ordinal).map((h) => h.version);
      const sql = `select * from ${TABLE}@`;
      const result = await complete(session, new Map(), sql, sql.length, versionsOf);
      expect(result.from).toBe(sql.length);
      expect(result.items.map((i) => i.text)).toEqual([...snapshots].reverse());
      const typed = `${sql}${snapshots[0].slice(0, 3)}`;
      const narrowed = await complete(session, new Map(), typed, typed.length, versionsOf);
      expect(narrowed.items.map((i) => i.text)).toEqual([...snapshots].reverse().filter((v) => v.startsWith(snapshots[0].slice(0, 3))));
    } finally {
      session.close();
    }
  });
});
