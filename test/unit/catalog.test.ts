import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, type QueryHistoryInput } from '../../core/catalog/catalog';
import { migrate, migrations } from '../../core/catalog/migrations';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakebench-catalog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (sql: string, startedAt: string, extra: Partial<QueryHistoryInput> = {}): QueryHistoryInput => ({
  sql,
  tables: [],
  startedAt,
  durationMs: 12,
  rows: 3,
  status: 'ok',
  ...extra,
});

describe('Catalog migrations', () => {
  it('applies every migration once and keeps data on reopen', () => {
    const path = join(dir, 'nested', 'catalog.sqlite');
    const first = Catalog.open(path);
    expect(first.schemaVersion).toBe(migrations.length);
    first.addHistory(entry('select 1', '2026-01-01T00:00:00.000Z'));
    first.close();

    const again = Catalog.open(path); // would throw "table query_history already exists" if re-run
    expect(again.schemaVersion).toBe(migrations.length);
    expect(again.listHistory().map((h) => h.sql)).toEqual(['select 1']);
    again.close();
  });

  it('uses WAL journal mode', () => {
    const path = join(dir, 'catalog.sqlite');
    Catalog.open(path).close();
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('rolls back a failing migration together with its version bump', () => {
    const db = new Database(join(dir, 'm.sqlite'));
    const list = [
      ...migrations,
      (d: Database.Database) => {
        d.exec('CREATE TABLE half_done (x)');
        throw new Error('boom');
      },
    ];
    expect(() => migrate(db, list)).toThrow('boom');
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('Catalog query history', () => {
  it('lists newest first, searches sql and tables case-insensitively, honours limit', () => {
    const catalog = Catalog.open(join(dir, 'catalog.sqlite'));
    catalog.addHistory(entry('SELECT * FROM orders', '2026-01-01T00:00:00.000Z', { tables: ['orders=/lake/orders@3'] }));
    catalog.addHistory(entry('select count(*) from customers', '2026-01-02T00:00:00.000Z'));
    catalog.addHistory(
      entry('select broken', '2026-01-03T00:00:00.000Z', { status: 'error', error: 'Binder Error', rows: 0 }),
    );
    catalog.addHistory(entry('select 100% _x', '2026-01-04T00:00:00.000Z'));

    expect(catalog.listHistory().map((h) => h.sql)).toEqual([
      'select 100% _x',
      'select broken',
      'select count(*) from customers',
      'SELECT * FROM orders',
    ]);
    expect(catalog.listHistory({ search: 'ORDERS' }).map((h) => h.sql)).toEqual(['SELECT * FROM orders']);
    expect(catalog.listHistory({ search: '/lake/orders@3' })[0].tables).toEqual(['orders=/lake/orders@3']);
    // LIKE wildcards in the search are literal characters
    expect(catalog.listHistory({ search: '0%' }).map((h) => h.sql)).toEqual(['select 100% _x']);
    expect(catalog.listHistory({ search: '_' }).map((h) => h.sql)).toEqual(['select 100% _x']);
    expect(catalog.listHistory({ limit: 2 })).toHaveLength(2);

    const failed = catalog.listHistory({ search: 'broken' })[0];
    expect(failed).toMatchObject({ status: 'error', error: 'Binder Error', rows: 0, durationMs: 12 });
    catalog.close();
  });
});
