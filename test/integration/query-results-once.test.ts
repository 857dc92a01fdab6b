/**
 * The app runs each statement once: the rows streamed for the first page are the rows later pages,
 * sorts and exports read. Counted with DuckDB's own query log, which records every statement any
 * connection of the database runs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueryResults, type QueryOutcome } from '../../core/api/query-results';
import { DeltaTable } from '../../core/formats/delta/table';
import { SqlSession } from '../../core/sql/session';
import { LocalStore } from '../../core/storage/local';
import { appendCsv } from '../helpers/maintenance-table';

let results: QueryResults;
let session: SqlSession;
let outcomes: QueryOutcome[];
let dir: string;

beforeEach(async () => {
  results = new QueryResults();
  outcomes = [];
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-query-once-'));
});
afterEach(async () => {
  results.closeAll();
  await rm(dir, { recursive: true, force: true });
});

async function start(sql: string, register?: (s: SqlSession) => Promise<unknown>) {
  return results.start({
    sql,
    openSession: async () => {
      session = await SqlSession.create();
      await session.run(`CALL enable_logging('QueryLog')`);
      await register?.(session);
      return session;
    },
    onFinished: (outcome) => outcomes.push(outcome),
  });
}

/** How many statements DuckDB ran whose text holds `marker` (built so that this count's own text does not). */
async function runsOf(marker: string): Promise<number> {
  const [head, tail] = [marker.slice(0, 3), marker.slice(3)];
  const counted = await session.query(`SELECT count(*)::INTEGER AS n FROM duckdb_logs WHERE type = 'QueryLog' AND contains(message, '${head}' || '${tail}')`);
  return Number(counted.rows[0].n);
}

describe('one execution per statement', () => {
  it('streams, pages, sorts page 2 and exports a 300,000-row result from one run', async () => {
    const started = await start('SELECT i AS id, (i * 7919) % 1000 AS bucket FROM range(300000) t(i) WHERE i % 3 <> 1');
    expect(started.columns.map((c) => c.name)).toEqual(['id', 'bucket']);
    const first = await results.page({ queryId: started.queryId, offset: 0, limit: 100 });
    expect(first.rows[0]).toEqual([0, 0]);
    const far = await results.page({ queryId: started.queryId, offset: 199_990, limit: 50 });
    expect(far).toMatchObject({ totalRows: 200_000, done: true });
    expect(far.rows).toHaveLength(10);
    expect(far.rows.at(-1)).toEqual([299_999, (299_999 * 7919) % 1000]);

    const sort = [{ column: 'bucket', descending: true }, { column: 'id' }];
    const page1 = await results.page({ queryId: started.queryId, offset: 0, limit: 100, sort });
    const page2 = await results.page({ queryId: started.queryId, offset: 100, limit: 100, sort });
    const sorted = [...page1.rows, ...page2.rows];
    expect(sorted.every((row, i) => i === 0 || (sorted[i - 1][1] as number) > (row[1] as number) || (sorted[i - 1][0] as number) < (row[0] as number))).toBe(true);
    expect(page2.rows[0][1]).toBe(999);

    const file = path.join(dir, 'out.csv');
    expect(await results.export({ queryId: started.queryId, format: 'csv', path: file, sort }, new AbortController().signal)).toMatchObject({ rows: 200_000 });
    expect((await readFile(file, 'utf8')).split('\n')[1]).toBe(sorted[0].join(','));

    expect(await runsOf('range(300000)')).toBe(1);
    expect(outcomes).toMatchObject([{ status: 'ok', rows: 200_000 }]);
  });

  it('computes an aggregate over a Delta table once, and pages its groups sorted', async () => {
    const store = new LocalStore(path.join(dir, 'orders'));
    const rows = Array.from({ length: 6000 }, (_, i) => `${i},c${i % 3000},${(i % 97) + 0.5}`).join('\n');
    await appendCsv(store, dir, `id,customer,amount\n${rows}\n`);
    const sql = 'SELECT customer, sum(amount) AS total, count(*) AS n FROM orders GROUP BY customer';
    const started = await start(sql, async (s) => s.registerDelta('orders', await DeltaTable.open(store)));
    const page2 = await results.page({ queryId: started.queryId, offset: 100, limit: 100, sort: [{ column: 'customer' }] });
    expect(page2.totalRows).toBe(3000);
    expect(page2.rows.map((r) => r[2])).toEqual(Array(100).fill(2));
    expect(await runsOf('GROUP BY customer')).toBe(1);
  });

  it('keeps a result no table can hold in memory, still from one run', async () => {
    const started = await start('SELECT NULL AS nothing, i FROM range(5000) t(i)');
    const page = await results.page({ queryId: started.queryId, offset: 4990, limit: 20, sort: [{ column: 'i', descending: true }] });
    expect(page.rows).toHaveLength(10);
    expect(page.rows[0]).toEqual([null, 9]);
    expect(await runsOf('range(5000)')).toBe(1);
  });
});
