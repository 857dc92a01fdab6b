/** Migration 4: quality results per run and version, and rules kept per table. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../core/catalog/catalog';
import { migrate, migrations } from '../../core/catalog/migrations';
import type { QualityResult } from '../../core/quality/run';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-catalog-quality-'));
  file = path.join(dir, 'catalog.sqlite');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const result = (over: Partial<QualityResult> = {}): QualityResult => ({
  check_name: 'amount_positive',
  check_type: 'positive',
  column_name: 'amount',
  status: 'failed',
  failing_rows: 2,
  total_rows: 10,
  details: '2 value(s) of amount ≤ 0',
  failing_sample: [{ id: 1, amount: -1 }, { id: 2, amount: 0 }],
  ...over,
});

describe('migration 4: quality results and rules', () => {
  it('upgrades a catalog written by migrations 1–3, keeping its maintenance log', () => {
    const old = new Database(file);
    expect(migrate(old, migrations.slice(0, 3))).toBe(3);
    old
      .prepare(
        `INSERT INTO maintenance_log (table_name, operation, status, run_id, executed_at, duration_ms) VALUES ('/lake/t', 'verify', 'ok', 'r', ?, 5)`,
      )
      .run('2024-04-01T00:00:00.000Z');
    old.close();
    const catalog = Catalog.open(file);
    try {
      expect(catalog.schemaVersion).toBe(migrations.length);
      expect(catalog.listMaintenance()).toMatchObject([{ tableName: '/lake/t', operation: 'verify' }]);
      expect(catalog.listQualityResults()).toEqual([]);
    } finally {
      catalog.close();
    }
  });

  it('keeps results with their run, version and sample, newest first, and rules per table', () => {
    const catalog = Catalog.open(file);
    try {
      catalog.addQualityResults({ runId: 'r1', tableName: '/lake/t', tableVersion: '3', executedAt: '2024-05-01T00:00:00.000Z', results: [result()] });
      catalog.addQualityResults({
        runId: 'r2',
        tableName: '/lake/t',
        tableVersion: '4',
        executedAt: '2024-05-02T00:00:00.000Z',
        results: [result({ failing_rows: 0, status: 'passed', failing_sample: [] }), result({ check_name: 'rows', check_type: 'row_count_range', column_name: null, status: 'passed', failing_rows: 0 })],
      });
      const history = catalog.listQualityResults({ tableName: '/lake/t', checkName: 'amount_positive' });
      expect(history.map((r) => [r.runId, r.tableVersion, r.status, r.failing_rows])).toEqual([['r2', '4', 'passed', 0], ['r1', '3', 'failed', 2]]);
      expect(history[1]!.failing_sample).toEqual([{ id: 1, amount: -1 }, { id: 2, amount: 0 }]);
      expect(catalog.listQualityResults({ tableName: '/lake/other' })).toEqual([]);

      expect(catalog.loadQualityRules('/lake/t')).toBeUndefined();
      catalog.saveQualityRules('/lake/t', [{ name: 'a', check_type: 'not_null', column_name: 'id' }]);
      catalog.saveQualityRules('/lake/t', [{ name: 'b', check_type: 'positive', column_name: 'amount' }]);
      expect(catalog.loadQualityRules('/lake/t')).toEqual([{ name: 'b', check_type: 'positive', column_name: 'amount' }]);
    } finally {
      catalog.close();
    }
  });
});
