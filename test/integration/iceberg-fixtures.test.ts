/**
 * The Iceberg tables written by Iceberg's Java API, Spark and Athena (test/fixtures/iceberg, README there)
 * read through real DuckDB at every metadata version: row counts and contents, position and equality
 * deletes, added columns, a rename, bucket + identity partitions with a null value, recorded
 * `s3a://`/`s3://` paths resolved against the local folder, and time travel by snapshot id and time.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizePartitions } from '../../core/formats/iceberg/partitions';
import { parseSnapshotSuffix } from '../../core/formats/iceberg/snapshots';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { IcebergSource } from '../../core/sql/iceberg-source';
import { LocalStore } from '../../core/storage/local';
import { fixture } from '../helpers/fixtures';

let conn: DuckDBConnection;

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`SET TimeZone = 'UTC'`);
});
afterAll(() => conn.closeSync());

const store = (name: string) => new LocalStore(fixture('iceberg', name));

/** Rows of `select` over the table at a metadata file (default: the current one) and snapshot suffix. */
async function read(name: string, metadataKey?: string, suffix?: string, select = 'SELECT * FROM t'): Promise<Record<string, unknown>[]> {
  const table = await IcebergTable.open(store(name), metadataKey ? { metadataKey } : {});
  const source = new IcebergSource('t', table, suffix ? parseSnapshotSuffix(suffix) : undefined);
  await source.prepare(conn, select, undefined);
  return (await conn.runAndReadAll(select)).getRowObjectsJson();
}

const breeds = (rows: Record<string, unknown>[]) => rows.map((r) => String(r['Breed Name'])).sort();

describe('java/bunnies (Java API; position then equality deletes)', () => {
  const name = 'java/bunnies';
  it('reads 0, 21, 21, 15, 15 rows at v1..v5', async () => {
    const counts = [];
    for (let v = 1; v <= 5; v++) counts.push((await read(name, `metadata/v${v}.metadata.json`)).length);
    expect(counts).toEqual([0, 21, 21, 15, 15]);
  });

  it('v3 adds __happy__, null in every row', async () => {
    const rows = await read(name, 'metadata/v3.metadata.json');
    expect(rows.every((r) => '__happy__' in r && r.__happy__ === null)).toBe(true);
  });

  it('v4 applies the position delete file: six breeds gone', async () => {
    const before = breeds(await read(name, 'metadata/v3.metadata.json'));
    const after = breeds(await read(name, 'metadata/v4.metadata.json'));
    expect(before.filter((b) => !after.includes(b)).sort()).toEqual(
      ['English Lop', 'Flemish Giant', 'French Angora', 'Lionhead', 'Mini Lop', 'Rex'].sort(),
    );
  });

  it('v5 applies the equality delete: the New Zealand row is replaced by one with __happy__ = true', async () => {
    const rows = await read(name, 'metadata/v5.metadata.json');
    const nz = rows.filter((r) => r['Breed Name'] === 'New Zealand');
    expect(nz).toHaveLength(1);
    expect(nz[0]!.__happy__).toBe(true);
    expect(breeds(rows)).toEqual(breeds(await read(name, 'metadata/v4.metadata.json')));
  });

  it('the version hint picks v5; every snapshot reads by id and by time', async () => {
    const table = await IcebergTable.open(store(name));
    expect(table.metadataKey).toBe('metadata/v5.metadata.json');
    const history = table.history();
    expect(history.map((h) => h.version)).toEqual(['9158179788527662767', '6458828015811002920', '4951213507629824583']);
    expect(history.map((h) => h.operation)).toEqual(['overwrite', 'delete', 'append']);
    expect(history[0]!.parent).toBe('6458828015811002920');
    expect((await read(name, undefined, '4951213507629824583')).length).toBe(21);
    expect((await read(name, undefined, '6458828015811002920')).length).toBe(15);
    // A time between the first and second snapshot reads the first.
    const between = new Date((history[2]!.timestamp + history[1]!.timestamp) / 2).toISOString();
    expect((await read(name, undefined, between)).length).toBe(21);
    await expect(read(name, undefined, '2020-01-01T00:00:00Z')).rejects.toThrow(/before the table's first snapshot/);
    await expect(read(name, undefined, '123')).rejects.toThrow(/snapshot 123 is not in the table/);
  });
});

describe('spark/bunnies (Spark; position delete, added and filled column)', () => {
  const name = 'spark/bunnies';
  it('reads 21, 21, 20, 20, 20 rows at v1..v5', async () => {
    const counts = [];
    for (let v = 1; v <= 5; v++) counts.push((await read(name, `metadata/v${v}.metadata.json`)).length);
    expect(counts).toEqual([21, 21, 20, 20, 20]);
  });

  it('v3 drops Holland Lop; v4 reads breed_name_length as null; v5 has it filled (sum 205)', async () => {
    expect(breeds(await read(name, 'metadata/v2.metadata.json'))).toContain('Holland Lop');
    expect(breeds(await read(name, 'metadata/v3.metadata.json'))).not.toContain('Holland Lop');
    expect((await read(name, 'metadata/v4.metadata.json')).every((r) => r.breed_name_length === null)).toBe(true);
    const [sum] = await read(name, 'metadata/v5.metadata.json', undefined, 'SELECT sum(breed_name_length)::INT AS s FROM t');
    expect(sum!.s).toBe(205);
  });
});

describe('spark/rename_column (bucket[4] + identity(date) partitions, a rename)', () => {
  const name = 'spark/rename_column';
  const expected = [
    { id: 1, name: 'Flopsy 🐇', date: '2022-01-01', price: '9.99', active: true },
    { id: 2, name: 'Mopsy–Naïve', date: '2022-01-01', price: '-5.00', active: false },
    { id: 3, name: 'Cottontail', date: null, price: '0.00', active: true },
    { id: 4, name: 'Thumper', date: '2022-01-02', price: '99999999.99', active: false },
  ];
  it('v1 has no snapshot and reads empty with its columns', async () => {
    const table = await IcebergTable.open(store(name), { metadataKey: 'metadata/v1.metadata.json' });
    expect(table.snapshot()).toBeUndefined();
    expect(await read(name, 'metadata/v1.metadata.json')).toEqual([]);
  });

  it('v2 reads the four rows with `date`', async () => {
    expect(await read(name, 'metadata/v2.metadata.json', undefined, 'SELECT * FROM t ORDER BY id')).toEqual(expected);
  });

  it('v3 reads the same rows with the column renamed to event_date (same field id, files unchanged)', async () => {
    const rows = await read(name, 'metadata/v3.metadata.json', undefined, 'SELECT * FROM t ORDER BY id');
    expect(rows).toEqual(expected.map(({ date, ...rest }) => ({ id: rest.id, name: rest.name, event_date: date, price: rest.price, active: rest.active })));
  });

  it('travelling to the snapshot by id reads it with the snapshot’s own schema (date)', async () => {
    const rows = await read(name, 'metadata/v3.metadata.json', '5276958600260276572', 'SELECT * FROM t ORDER BY id');
    expect(Object.keys(rows[0]!)).toContain('date');
  });
});

describe('athena/example (catalog-style metadata names, no hint)', () => {
  it('finds the newest metadata by its number and reads 0 then 2 rows', async () => {
    const table = await IcebergTable.open(store('athena/example'));
    expect(table.metadataKey).toMatch(/^metadata\/00001-/);
    const files = (await store('athena/example').list('metadata/')).objects.map((o) => o.key).filter((k) => k.endsWith('.metadata.json'));
    const first = files.find((k) => k.includes('/00000-'))!;
    expect(await read('athena/example', first)).toEqual([]);
    expect(await read('athena/example', undefined, undefined, 'SELECT * FROM t ORDER BY id')).toEqual([
      { id: 1, name: 'Alice' },
      { id: 2, name: 'Bob' },
    ]);
  });
});

describe('partitions', () => {
  it('shows spark/rename_column’s bucket and identity(date) partitions per file, a null date included', async () => {
    const table = await IcebergTable.open(store('spark/rename_column'));
    const files = await table.files(table.snapshot());
    const rows = summarizePartitions(files, table.specs, table.columnTypes())
      .map((p): Record<string, unknown> => ({ ...p.values, files: p.files, rows: p.rows }))
      .sort((a, b) => String(a.date).localeCompare(String(b.date)));
    expect(rows).toEqual([
      { id_bucket: 0, date: '2022-01-01', files: 1, rows: 2 },
      { id_bucket: 2, date: '2022-01-02', files: 1, rows: 1 },
      { id_bucket: 3, date: null, files: 1, rows: 1 },
    ]);
  });
});
