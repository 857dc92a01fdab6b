import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleLake, SAMPLE_ORDERS_VERSIONS } from '../../core/demo/sample-lake';
import { sampleLakeDir } from '../../core/demo/resources';
import { DeltaTable } from '../../core/formats/delta/table';
import { LocalStore } from '../../core/storage/local';
import { queryTable } from '../helpers/delta-rows';

const ALL_ROWS = 'select * exclude (discount), discount from t order by order_id';

describe('the built-in sample lake', () => {
  let fresh: string;
  const committed = sampleLakeDir();

  beforeAll(async () => {
    fresh = await mkdtemp(path.join(os.tmpdir(), 'lakebench-sample-'));
    await writeSampleLake(fresh);
  });
  afterAll(async () => {
    await rm(fresh, { recursive: true, force: true });
  });

  it('orders has the history the app demonstrates: appends, deletes, a merge, an added column, a checkpoint', async () => {
    const table = await DeltaTable.open(new LocalStore(path.join(committed, 'orders')));
    const history = await table.history();
    expect(history).toHaveLength(SAMPLE_ORDERS_VERSIONS);
    expect(SAMPLE_ORDERS_VERSIONS).toBeGreaterThanOrEqual(10);
    const ops = history.map((h) => h.operation);
    expect(ops.filter((o) => o === 'DELETE')).toHaveLength(2);
    expect(ops).toContain('MERGE');
    const first = await table.snapshot({ version: 0 });
    const latest = await table.snapshot();
    expect(first.schema.fields.map((f) => f.name)).not.toContain('discount');
    expect(latest.schema.fields.map((f) => f.name)).toContain('discount');
    expect(latest.partitionColumns).toEqual(['order_date']);
    expect(await readdir(path.join(committed, 'orders', '_delta_log'))).toContain('00000000000000000010.checkpoint.parquet');
  });

  it('the committed copy holds exactly what the generator writes, at every version', async () => {
    const committedStore = new LocalStore(path.join(committed, 'orders'));
    const freshStore = new LocalStore(path.join(fresh, 'orders'));
    for (let v = 0; v < SAMPLE_ORDERS_VERSIONS; v++) {
      const sql = v >= 8 ? ALL_ROWS : 'select * from t order by order_id';
      expect(await queryTable(committedStore, sql, v), `orders@${v}`).toEqual(await queryTable(freshStore, sql, v));
    }
  });

  it('deleted and merged rows are visible only where they should be', async () => {
    const store = new LocalStore(path.join(committed, 'orders'));
    const [before] = await queryTable(store, "select count(*)::int as n from t where status = 'cancelled'", 5);
    const [after] = await queryTable(store, "select count(*)::int as n from t where status = 'cancelled'", 6);
    expect(before!.n).toBeGreaterThan(0);
    expect(after!.n).toBe(0);
    const [returned] = await queryTable(store, "select count(*)::int as n from t where status = 'returned' and order_id <= 300", 7);
    expect(returned!.n).toBe(300);
  });

  it('has a Hive-partitioned Parquet folder and a Lakeside staging area', async () => {
    const customers = await readdir(path.join(committed, 'customers'));
    expect(customers.filter((d) => d.startsWith('country='))).toHaveLength(6);
    const hours = await readdir(path.join(committed, 'staging', 'data'));
    expect(hours).toHaveLength(3);
    expect(await readdir(path.join(committed, 'staging', 'schema'))).toEqual(['schema.json']);
  });
});
