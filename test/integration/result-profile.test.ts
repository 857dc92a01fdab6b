/**
 * The column explorer's engine side over HTTP: queryProfile over the whole held result (DuckDB over the
 * result table, not a fetched window) and queryRowCount, for results held as a table and in memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnProfile } from '../../core/api/workbench';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

let served: WorkbenchServer;

beforeAll(async () => {
  served = await startWorkbenchServer();
});
afterAll(async () => {
  await served?.stop();
});

/** Rows 0..n-1 of the query below, computed here to hold the profile to. */
function generated(n: number) {
  return Array.from({ length: n }, (_, i) => ({ id: i, grp: i % 10 === 0 ? null : `g${i % 4}`, flag: i % 3 === 0, day: i % 30 }));
}
const sql = (n: number) =>
  `select i as id, case when i % 10 = 0 then null else 'g' || (i % 4) end as grp, (i * 0.1)::DECIMAL(12,1) as amount,
   date '2024-01-01' + (i % 30)::int as day, [i, i] as pair, i % 3 = 0 as flag from range(${n}) t(i)`;

function column(columns: ColumnProfile[], name: string): ColumnProfile {
  const found = columns.find((c) => c.name === name);
  if (!found) throw new Error(`no profile for ${name}`);
  return found;
}

function counts<T>(values: T[]): Map<T, number> {
  const map = new Map<T, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return map;
}

describe.each([
  ['held as a table', 50_000],
  ['held in memory', 300],
])('queryProfile of a result %s', (_, n) => {
  it('profiles every column over all rows: nulls, distinct, min/max, histogram, top values', async () => {
    const rows = generated(n);
    const started = await served.client.queryStart({ sql: sql(n) });
    expect(await served.client.queryRowCount({ queryId: started.queryId })).toEqual({ rows: n });
    const { profile } = await served.client.queryProfile({ queryId: started.queryId });
    if (!profile) throw new Error('no profile of an open query');
    expect(profile.rows).toBe(n);
    expect(profile.columns.map((c) => c.name)).toEqual(['id', 'grp', 'amount', 'day', 'pair', 'flag']);

    const id = column(profile.columns, 'id');
    expect(id).toMatchObject({ kind: 'number', nulls: 0, min: 0, max: n - 1 });
    expect(Math.abs(id.distinct! - n) / n).toBeLessThan(0.15); // an estimate (HyperLogLog)
    expect(id.top).toBeUndefined(); // all distinct: no top values
    expect(id.histogram!.reduce((sum, bin) => sum + bin.count, 0)).toBe(n);
    expect(id.histogram![0].from).toBe(0);
    expect(id.histogram!.at(-1)!.to).toBeGreaterThanOrEqual(n - 1);

    const grp = column(profile.columns, 'grp');
    const grpCounts = counts(rows.map((r) => r.grp).filter((g) => g !== null));
    expect(grp).toMatchObject({ kind: 'text', nulls: rows.filter((r) => r.grp === null).length, distinct: grpCounts.size, min: 'g0', max: 'g3' });
    const expectedTop = [...grpCounts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    expect(grp.top).toEqual(expectedTop);

    const amount = column(profile.columns, 'amount');
    expect(amount).toMatchObject({ kind: 'number', type: 'DECIMAL(12,1)', min: '0.0', max: ((n - 1) / 10).toFixed(1) });

    const day = column(profile.columns, 'day');
    expect(day).toMatchObject({ kind: 'time', min: '2024-01-01', max: '2024-01-30', nulls: 0 });
    expect(day.histogram![0].from).toBe(Date.UTC(2024, 0, 1)); // epoch milliseconds
    expect(day.histogram!.reduce((sum, bin) => sum + bin.count, 0)).toBe(n);

    const pair = column(profile.columns, 'pair');
    expect(pair.kind).toBe('other');
    expect(pair.min).toBeUndefined();
    expect(pair.histogram).toBeUndefined();

    const flag = column(profile.columns, 'flag');
    expect(flag.top).toEqual([
      { value: 'false', count: rows.filter((r) => !r.flag).length },
      { value: 'true', count: rows.filter((r) => r.flag).length },
    ]);
    await served.client.queryClose({ queryId: started.queryId });
  });
});

describe('queryProfile edge cases', () => {
  it('gives a column of nulls only its count and one value its single bar', async () => {
    const started = await served.client.queryStart({ sql: 'select null::INTEGER as nothing, 7 as seven from range(10)' });
    const { profile } = await served.client.queryProfile({ queryId: started.queryId });
    if (!profile) throw new Error('no profile of an open query');
    expect(profile.columns[0]).toMatchObject({ nulls: 10, distinct: 0 });
    expect(profile.columns[0].histogram).toBeUndefined();
    expect(profile.columns[1].histogram).toEqual([{ from: 7, to: 7, count: 10 }]);
  });

  it('gives every column\'s summary alone (counts, nulls, min, max), as the whole profile made after it has them', async () => {
    const started = await served.client.queryStart({ sql: sql(5000) });
    await served.client.queryRowCount({ queryId: started.queryId });
    const summary = (await served.client.queryProfile({ queryId: started.queryId, summaryOnly: true })).profile!;
    const whole = (await served.client.queryProfile({ queryId: started.queryId })).profile!;
    expect(summary.rows).toBe(5000);
    expect(summary.columns.map((c) => c.name)).toEqual(whole.columns.map((c) => c.name));
    expect(summary.columns.every((c) => c.distinct === undefined && c.histogram === undefined && c.top === undefined)).toBe(true);
    expect(whole.columns.every((c) => c.distinct !== undefined)).toBe(true);
    expect(summary.columns).toEqual(whole.columns.map(({ distinct: _d, histogram: _h, top: _t, ...rest }) => rest));
    expect(column(summary.columns, 'grp')).toMatchObject({ nulls: 500, min: 'g0', max: 'g3' });
    await served.client.queryClose({ queryId: started.queryId });
  });

  it('answers without a profile when the query is closed meanwhile', async () => {
    const started = await served.client.queryStart({ sql: 'select i, i % 7 as m from range(3000000) t(i)' });
    const profiling = served.client.queryProfile({ queryId: started.queryId });
    await served.client.queryClose({ queryId: started.queryId });
    expect(await profiling).toEqual({});
  });

  it('refuses a closed query by its id; its row count is unknown, not an error', async () => {
    const started = await served.client.queryStart({ sql: 'select 1 as one' });
    await served.client.queryClose({ queryId: started.queryId });
    expect(await served.client.queryRowCount({ queryId: started.queryId })).toEqual({});
    await expect(served.client.queryProfile({ queryId: started.queryId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
