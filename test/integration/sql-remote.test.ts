/**
 * Remote Delta tables on a real S3 server (s3rver on loopback): the same rows as the local copy, and
 * partition pruning fetches only the files of the partitions a query selects (counted from the
 * server's GET requests for data files).
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { SqlSession } from '../../core/sql/session';
import { FileCache } from '../../core/storage/cache';
import { LocalStore } from '../../core/storage/local';
import { S3Store } from '../../core/storage/s3';
import { uploadFolder } from '../helpers/upload-folder';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { FIXTURES } from '../helpers/fixtures';
const PARTITIONED = path.join(FIXTURES, 'delta-rs/delta-0.8.0-partitioned');
const NULL_PARTITION = path.join(FIXTURES, 'dat/basic_partitioned/delta');
const DV_TABLE = path.join(FIXTURES, 'golden/dv-partitioned-with-checkpoint/delta');

let server: S3TestServer;
let cacheDir: string;
let session: SqlSession;

function storeAt(prefix: string): S3Store {
  return new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });
}

/** Data files (not log entries) fetched from the server since `from` (an index into server.requests). */
function dataFileGets(from: number): string[] {
  return server.requests
    .slice(from)
    .filter((r) => r.method === 'GET' && /\.parquet(\?|$)/.test(r.url) && !r.url.includes('_delta_log'))
    .map((r) => decodeURIComponent(r.url.split('?')[0]));
}

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket('lake');
  await uploadFolder(PARTITIONED, storeAt('tables/partitioned'));
  await uploadFolder(NULL_PARTITION, storeAt('tables/letters'));
  await uploadFolder(DV_TABLE, storeAt('tables/dv'));
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-sql-remote-'));
  session = await SqlSession.create({ cache: new FileCache(cacheDir, 1 << 30), threads: 2 });
  await session.registerDelta('remote', await DeltaTable.open(storeAt('tables/partitioned')));
  await session.registerDelta('local', await DeltaTable.open(new LocalStore(PARTITIONED)));
  await session.registerDelta('letters', await DeltaTable.open(storeAt('tables/letters')));
});
afterAll(async () => {
  session?.close();
  await server?.stop();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

describe('remote Delta tables', () => {
  it('deletion vectors on S3 are fetched through the cache and hide their rows, pruned or not', async () => {
    await session.registerDelta('dv_remote', await DeltaTable.open(storeAt('tables/dv')));
    await session.registerDelta('dv_local', await DeltaTable.open(new LocalStore(DV_TABLE)));
    const start = server.requests.length;
    const sql = (table: string, where = 'true') => `SELECT part, col1 FROM ${table} WHERE ${where} ORDER BY col1`;
    const remote = await session.query(sql('dv_remote'));
    expect(remote.rows).toEqual((await session.query(sql('dv_local'))).rows);
    expect(remote.rows).toHaveLength(35); // 50 written, 15 deleted by DVs
    const pruned = await session.query(sql('dv_remote', 'part = 2'));
    expect(pruned.rows).toEqual((await session.query(sql('dv_local', 'part = 2'))).rows);
    expect(pruned.rows.map((r) => r.col1)).not.toContain(2); // deleted by a DV at v2, then its file removed at v12
    const dvGets = server.requests.slice(start).filter((r) => r.method === 'GET' && r.url.includes('deletion_vector_'));
    expect(dvGets.length).toBeGreaterThan(0);
    const cached = (await readdir(cacheDir, { recursive: true })).filter((f) => String(f).includes('deletion_vector_'));
    expect(cached.length).toBe(new Set(dvGets.map((r) => r.url.split('?')[0])).size);
  });

  it('a partition filter fetches only the matching partition files, with the same rows as local', async () => {
    const start = server.requests.length;
    const remote = await session.query(`SELECT value, day FROM remote WHERE year = '2021' AND month = '12' ORDER BY value`);
    const local = await session.query(`SELECT value, day FROM local WHERE year = '2021' AND month = '12' ORDER BY value`);
    expect(remote.rows).toEqual(local.rows);
    expect(remote.rows.length).toBe(3);
    const fetched = dataFileGets(start);
    expect(fetched.length).toBe(2);
    expect(fetched.every((url) => url.includes('/year=2021/month=12/'))).toBe(true);
  });

  it('qualified and mixed filters prune by their partition conjuncts only', async () => {
    const start = server.requests.length;
    const { rows } = await session.query(`SELECT r.value FROM remote AS r WHERE r.year = '2020' AND r.value <> '1' ORDER BY 1`);
    const local = await session.query(`SELECT l.value FROM local AS l WHERE l.year = '2020' AND l.value <> '1' ORDER BY 1`);
    expect(rows).toEqual(local.rows);
    const fetched = dataFileGets(start);
    expect(fetched.length).toBe(3);
    expect(fetched.every((url) => url.includes('/year=2020/'))).toBe(true);
  });

  it('a query without a usable partition filter reads every file and matches local', async () => {
    const start = server.requests.length;
    const remote = await session.query(`SELECT * FROM remote WHERE year = '2020' OR value = '6' ORDER BY value`);
    const local = await session.query(`SELECT * FROM local WHERE year = '2020' OR value = '6' ORDER BY value`);
    expect(remote.rows).toEqual(local.rows);
    // 5 of the 6 files were fetched by the tests above and are served from the cache.
    expect(dataFileGets(start).length).toBe(1);
    const all = await session.query('SELECT * FROM remote ORDER BY value');
    expect(all.rows).toEqual((await session.query('SELECT * FROM local ORDER BY value')).rows);
  });

  it('cached files are not fetched again', async () => {
    const start = server.requests.length;
    await session.query(`SELECT count(*) FROM remote WHERE year = '2021'`);
    expect(dataFileGets(start)).toEqual([]);
  });

  it('prunes on a null partition and reads it as NULL', async () => {
    const start = server.requests.length;
    const { rows } = await session.query('SELECT letter, number FROM letters WHERE letter IS NULL');
    expect(rows).toEqual([{ letter: null, number: 6 }]);
    const fetched = dataFileGets(start);
    expect(fetched.length).toBe(1);
    expect(fetched[0]).toContain('letter=__HIVE_DEFAULT_PARTITION__');
  });

  it('a filter matching no partition fetches nothing and returns typed empty results', async () => {
    const start = server.requests.length;
    const { rows, columns } = await session.query(`SELECT * FROM letters WHERE letter = 'zzz'`);
    expect(rows).toEqual([]);
    expect(columns.map((c) => c.name)).toEqual(['letter', 'number', 'a_float']);
    expect(dataFileGets(start)).toEqual([]);
  });
});

describe('remote queries whose shape cannot be pruned stay correct', () => {
  const cases = [
    `WITH x AS (SELECT * FROM remote) SELECT count(*) AS n FROM x WHERE year = '2021'`,
    `SELECT count(*) AS n FROM remote WHERE year IN (SELECT '2020') AND random() < 2`,
    `SELECT count(*) AS n FROM remote WHERE CAST(month AS INTEGER) > 3`,
    `SELECT count(*) AS n FROM remote JOIN letters ON true WHERE remote.year = '2020' AND letters.letter = 'a'`,
    `SELECT count(*) AS n FROM (SELECT * FROM remote WHERE day = '5') UNION ALL SELECT 0`,
  ];
  for (const sql of cases) {
    it(sql, async () => {
      const remote = await session.query(sql);
      const local = await session.query(sql.replaceAll('remote', 'local'));
      expect(remote.rows).toEqual(local.rows);
    });
  }
});

describe('remote Parquet folders', () => {
  it('read through the cache with hive columns, like the local folder', async () => {
    await session.registerParquetFolder('remote_folder', storeAt('tables/letters'));
    await session.registerParquetFolder('local_folder', new LocalStore(NULL_PARTITION));
    const sql = 'SELECT letter, number FROM remote_folder ORDER BY number';
    const remote = await session.query(sql);
    expect(remote.rows.length).toBeGreaterThan(0);
    expect(remote.rows).toEqual((await session.query(sql.replace('remote_folder', 'local_folder'))).rows);
    expect(remote.rows.some((r) => r.letter === null)).toBe(true);
  });
});

describe('a name taken over by another layout', () => {
  it('a Lakeside bucket registered under a remote Delta table\'s name answers for it', async () => {
    const bucket = await mkdtemp(path.join(os.tmpdir(), 'lakebench-sql-remote-lakeside-'));
    try {
      await mkdir(path.join(bucket, 'data', 'order_ts_hour=2026-11-23T08'), { recursive: true });
      await writeFile(path.join(bucket, 'data', 'order_ts_hour=2026-11-23T08', 'r1.json'), '{"id":7}');
      await mkdir(path.join(bucket, '_lakeside_log'));
      const named = await SqlSession.create({ cache: new FileCache(cacheDir, 1 << 30), threads: 1 });
      try {
        await named.registerDelta('shop', await DeltaTable.open(storeAt('tables/letters')));
        await named.registerLakeside('shop', new LocalStore(bucket));
        expect((await named.query('SELECT id FROM shop')).rows).toEqual([{ id: 7 }]);
      } finally {
        named.close();
      }
    } finally {
      await rm(bucket, { recursive: true, force: true });
    }
  });

});

describe('filters the pruner cannot place', () => {
  it('a constant filter (WHERE true) prunes nothing and runs (its node has no location in the query)', async () => {
    const remote = await session.query('SELECT count(*) AS n FROM remote WHERE true AND year IS NOT NULL');
    const local = await session.query('SELECT count(*) AS n FROM local WHERE true AND year IS NOT NULL');
    expect(remote.rows).toEqual(local.rows);
    expect((await session.query('SELECT count(*) AS n FROM remote WHERE true')).rows).toEqual((await session.query('SELECT count(*) AS n FROM local')).rows);
  });
});

describe('the cache under running queries', () => {
  it("keeps the cached files a running query reads while another session's query needs the room", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-sql-remote-pins-'));
    // A budget of one byte: every fetch evicts whatever is not in use.
    const cache = new FileCache(dir, 1);
    const [a, b] = await Promise.all([SqlSession.create({ cache, threads: 1 }), SqlSession.create({ cache, threads: 1 })]);
    const cachedOfA = async () => (await readdir(dir, { recursive: true })).filter((f) => f.includes('year=') && f.endsWith('.parquet')).length;
    try {
      await a.registerDelta('remote', await DeltaTable.open(storeAt('tables/partitioned')));
      await b.registerDelta('letters', await DeltaTable.open(storeAt('tables/letters')));
      const running = a.stream('SELECT * FROM remote')[Symbol.asyncIterator]();
      await running.next(); // the statement is under way: its files are fetched and in use
      const inUse = await cachedOfA();
      expect(inUse).toBeGreaterThan(0);
      await b.query('SELECT count(*) FROM letters');
      expect(await cachedOfA()).toBe(inUse);
      while (!(await running.next()).done);
      await b.query('SELECT count(*) FROM letters');
      expect(await cachedOfA()).toBe(0);
    } finally {
      a.close();
      b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
