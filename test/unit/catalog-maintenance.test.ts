/** Migration 3 (the maintenance log) on an existing catalog, and the log's rows, order and filter. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog, type MaintenanceLogInput } from '../../core/catalog/catalog';
import { migrate, migrations } from '../../core/catalog/migrations';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-catalog-maintenance-'));
  file = path.join(dir, 'catalog.sqlite');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (over: Partial<MaintenanceLogInput> = {}): MaintenanceLogInput => ({
  tableName: '/lake/orders',
  operation: 'compact',
  status: 'ok',
  details: { version: 3, filesRemoved: 6, filesAdded: 1 },
  snapshotsBefore: 3,
  snapshotsAfter: 4,
  filesBefore: 6,
  filesAfter: 1,
  versionBefore: '2',
  versionAfter: '3',
  runId: 'run-1',
  executedAt: '2024-05-01T12:00:00.000Z',
  durationMs: 120,
  dryRun: false,
  ...over,
});

describe('migration 3: the maintenance log', () => {
  it('upgrades a catalog written by migrations 1 and 2, keeping its rows', () => {
    const old = new Database(file);
    expect(migrate(old, migrations.slice(0, 2))).toBe(2);
    old
      .prepare(`INSERT INTO query_history (sql, tables, started_at, duration_ms, rows, status) VALUES ('select 1', '[]', ?, 5, 1, 'ok')`)
      .run('2024-04-01T00:00:00.000Z');
    old.prepare(`INSERT INTO settings (key, value) VALUES ('workspace', '{"location":"/lake"}')`).run();
    expect(old.prepare(`SELECT name FROM sqlite_master WHERE name = 'maintenance_log'`).get()).toBeUndefined();
    old.close();

    const catalog = Catalog.open(file);
    try {
      expect(catalog.schemaVersion).toBe(migrations.length);
      expect(catalog.listHistory()).toMatchObject([{ sql: 'select 1', rows: 1 }]);
      expect(catalog.listMaintenance()).toEqual([]);
      catalog.addMaintenance(run());
      expect(catalog.listMaintenance()).toHaveLength(1);
    } finally {
      catalog.close();
    }
    const reopened = new Database(file);
    expect(reopened.prepare(`SELECT value FROM settings WHERE key = 'workspace'`).get()).toEqual({ value: '{"location":"/lake"}' });
    expect(reopened.prepare('SELECT count(*) AS n FROM maintenance_log').get()).toEqual({ n: 1 });
    reopened.close();
  });

  it('round-trips every field, lists newest first, filters by table and limits', () => {
    const catalog = Catalog.open(file);
    try {
      const first = catalog.addMaintenance(run());
      catalog.addMaintenance(
        run({
          tableName: '/lake/customers',
          operation: 'verify',
          status: 'problems',
          details: { problems: [{ object: '/lake/customers/a.parquet', kind: 'bad-magic', detail: 'x' }] },
          snapshotsBefore: null,
          snapshotsAfter: null,
          filesBefore: null,
          filesAfter: null,
          executedAt: '2024-05-01T12:01:00.000Z',
        }),
      );
      catalog.addMaintenance(run({ operation: 'vacuum', status: 'failed', details: { error: 'boom', code: 'IO' }, dryRun: true, executedAt: '2024-05-01T12:02:00.000Z' }));

      const all = catalog.listMaintenance();
      expect(all.map((e) => e.operation)).toEqual(['vacuum', 'verify', 'compact']);
      expect(all[2]).toEqual({ id: first, ...run() });
      expect(all[1]).toMatchObject({ status: 'problems', snapshotsBefore: null, filesAfter: null, dryRun: false });
      expect(all[0]).toMatchObject({ status: 'failed', details: { error: 'boom', code: 'IO' }, dryRun: true });

      expect(catalog.listMaintenance({ tableName: '/lake/orders' }).map((e) => e.operation)).toEqual(['vacuum', 'compact']);
      expect(catalog.listMaintenance({ limit: 1 }).map((e) => e.operation)).toEqual(['vacuum']);
    } finally {
      catalog.close();
    }
  });

  it('migration 6: keeps the versions before → after as text (64-bit Iceberg snapshot ids intact); older rows have none', () => {
    const old = new Database(file);
    expect(migrate(old, migrations.slice(0, 5))).toBe(5);
    old
      .prepare(
        `INSERT INTO maintenance_log (table_name, operation, status, snapshots_before, snapshots_after, files_before, files_after, run_id, executed_at, duration_ms)
         VALUES ('/lake/orders', 'compact', 'ok', 3, 4, 6, 1, 'run-0', '2024-04-01T00:00:00.000Z', 5)`,
      )
      .run();
    old.close();
    const catalog = Catalog.open(file);
    try {
      const snapshotIds = { versionBefore: '9158179788527662007', versionAfter: '9158179788527662011' };
      catalog.addMaintenance(run(snapshotIds));
      const [added, upgraded] = catalog.listMaintenance();
      expect(added).toMatchObject(snapshotIds);
      expect(upgraded).toMatchObject({ runId: 'run-0', snapshotsBefore: 3, versionBefore: null, versionAfter: null });
    } finally {
      catalog.close();
    }
  });

  it('refuses a status outside ok | failed | cancelled | problems', () => {
    const catalog = Catalog.open(file);
    try {
      expect(() => catalog.addMaintenance(run({ status: 'done' as never }))).toThrow(/CHECK constraint/);
    } finally {
      catalog.close();
    }
  });
});
