import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat, findTables } from '../../core/formats/detect';
import type { ObjectStore } from '../../core/storage/types';
import { LocalStore } from '../../core/storage/local';
import { FIXTURES } from '../helpers/fixtures';
const PARQUET = path.join(FIXTURES, 'parquet-testing/good');

/** Tables as `{ name, key, layout }` (the format's name). */
const found = async (store: ObjectStore, options?: Parameters<typeof findTables>[1]) =>
  (await findTables(store, options)).map((t) => ({ name: t.name, key: t.key, layout: t.format.name }));

describe('findTables / detectFormat', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lakebench-detect-'));
    const lake = path.join(dir, 'lake');
    cpSync(path.join(FIXTURES, 'delta-rs/simple_table'), path.join(lake, 'simple_table'), { recursive: true });
    cpSync(path.join(FIXTURES, 'delta-rs/delta-0.8.0-partitioned'), path.join(lake, 'sales/partitioned'), { recursive: true });
    cpSync(path.join(FIXTURES, 'dat/basic_partitioned/delta'), path.join(lake, 'sales/basic'), { recursive: true });
    const someParquet = path.join(FIXTURES, 'dat/basic_append/delta/part-00000-0d98e500-5e7c-47d2-a4f1-ba0642db004c-c000.snappy.parquet');
    mkdirSync(path.join(lake, 'plain'), { recursive: true });
    cpSync(someParquet, path.join(lake, 'plain/a.parquet'));
    mkdirSync(path.join(lake, 'hive/year=2024/month=01'), { recursive: true });
    cpSync(someParquet, path.join(lake, 'hive/year=2024/month=01/b.parquet'));
    // Not tables: hidden folders, a log without commits, non-parquet files, a table deeper than maxDepth.
    mkdirSync(path.join(lake, '_staging'), { recursive: true });
    cpSync(someParquet, path.join(lake, '_staging/c.parquet'));
    mkdirSync(path.join(lake, 'broken/_delta_log'), { recursive: true });
    writeFileSync(path.join(lake, 'broken/_delta_log/readme.txt'), 'no commits here');
    mkdirSync(path.join(lake, 'docs'), { recursive: true });
    writeFileSync(path.join(lake, 'docs/notes.csv'), 'a,b\n');
    cpSync(someParquet, path.join(lake, 'd1/d2/d3/d4/d5/deep.parquet'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds Delta tables and Parquet folders, skipping hidden folders and not descending into tables', async () => {
    const tables = await found(new LocalStore(path.join(dir, 'lake')));
    expect(tables).toEqual([
      { name: 'hive', key: 'hive', layout: 'parquet' },
      { name: 'plain', key: 'plain', layout: 'parquet' },
      { name: 'basic', key: 'sales/basic', layout: 'delta' },
      { name: 'partitioned', key: 'sales/partitioned', layout: 'delta' },
      { name: 'simple_table', key: 'simple_table', layout: 'delta' },
    ]);
  });

  it('honours maxDepth', async () => {
    const store = new LocalStore(path.join(dir, 'lake'));
    expect((await findTables(store, { maxDepth: 0 })).length).toBe(0);
    const deep = await findTables(store, { maxDepth: 5 });
    expect(deep.map((t) => t.key)).toContain('d1/d2/d3/d4/d5');
    expect(deep.map((t) => t.key)).not.toContain('broken');
  });

  it('names a table at the root after the location', async () => {
    const store = new LocalStore(path.join(dir, 'lake/simple_table'));
    expect(await found(store)).toEqual([{ name: 'simple_table', key: '', layout: 'delta' }]);
  });

  it('detectFormat tells delta, parquet and nothing apart', async () => {
    const lake = path.join(dir, 'lake');
    expect((await detectFormat(new LocalStore(path.join(lake, 'sales/basic'))))?.name).toBe('delta');
    expect((await detectFormat(new LocalStore(path.join(lake, 'hive'))))?.name).toBe('parquet');
    expect((await detectFormat(new LocalStore(path.join(lake, 'plain'))))?.name).toBe('parquet');
    expect((await detectFormat(new LocalStore(path.join(lake, 'broken'))))?.name).toBeUndefined();
    expect((await detectFormat(new LocalStore(path.join(lake, 'docs'))))?.name).toBeUndefined();
    expect((await detectFormat(new LocalStore(PARQUET)))?.name).toBe('parquet');
  });
});
