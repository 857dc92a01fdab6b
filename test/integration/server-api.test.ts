/** WorkbenchApi round trips over HTTP (the http client against a real server, DuckDB and SQLite). */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchError, type WorkbenchEvent } from '../../core/api/workbench';
import { ERRORS_IN_BODY_HEADER } from '../../core/api/workbench-errors';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

let served: WorkbenchServer;

beforeAll(async () => {
  served = await startWorkbenchServer();
});
afterAll(async () => {
  await served?.stop();
});

/** Reads Server-Sent Events from /api/events until `until` says stop. */
async function collectEvents(until: (events: WorkbenchEvent[]) => boolean, start: () => Promise<void>): Promise<WorkbenchEvent[]> {
  const abort = new AbortController();
  const response = await fetch(`${served.origin}/api/events`, { headers: { authorization: `Bearer ${served.token}` }, signal: abort.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: WorkbenchEvent[] = [];
  let buffer = '';
  await reader.read(); // the `: connected` comment: subscribed
  await start();
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const messages = buffer.split('\n\n');
    buffer = messages.pop()!;
    for (const m of messages) if (m.startsWith('data: ')) events.push(JSON.parse(m.slice(6)) as WorkbenchEvent);
  }
  abort.abort();
  return events;
}

describe('WorkbenchApi over HTTP', () => {
  it('lists a folder one page at a time', async () => {
    const orders = join(served.lake, 'orders');
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await served.client.lsPage({ location: orders, limit: 5, token });
      expect(page.entries.length).toBeLessThanOrEqual(5);
      seen.push(...page.entries.map((e) => e.key));
      token = page.nextToken;
      pages++;
    } while (token);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toContain('_delta_log/');
    expect(seen.filter((k) => k.startsWith('order_date=')).length).toBeGreaterThan(5);
    expect(new Set(seen).size).toBe(seen.length);

    const log = await served.client.lsPage({ location: orders, prefix: '_delta_log/', limit: 1000 });
    expect(log.entries.some((e) => e.kind === 'object' && e.name === '00000000000000000000.json' && e.size! > 0)).toBe(true);
  });

  it('pages a 1,000,000-row result at offsets 0 and 999,900, sorted and unsorted', async () => {
    const started = await served.client.queryStart({ sql: 'select i, i * 2 as twice from range(1000000) t(i)' });
    expect(started.columns.map((c) => c.name)).toEqual(['i', 'twice']);
    const first = await served.client.queryPage({ queryId: started.queryId, offset: 0, limit: 100 });
    expect(first.rows).toHaveLength(100);
    expect(first.rows[0]).toEqual([0, 0]);
    const last = await served.client.queryPage({ queryId: started.queryId, offset: 999_900, limit: 200 });
    expect(last.rows).toHaveLength(100);
    expect(last.rows[0]).toEqual([999_900, 1_999_800]);
    expect(last.rows.at(-1)).toEqual([999_999, 1_999_998]);
    expect(last.totalRows).toBe(1_000_000);
    expect(last.done).toBe(true);
    const sorted = await served.client.queryPage({ queryId: started.queryId, offset: 0, limit: 3, sort: [{ column: 'twice', descending: true }] });
    expect(sorted.rows).toEqual([
      [999_999, 1_999_998],
      [999_998, 1_999_996],
      [999_997, 1_999_994],
    ]);
    await served.client.queryClose({ queryId: started.queryId });
    await expect(served.client.queryPage({ queryId: started.queryId, offset: 0, limit: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('sends the first page with the start when asked, as queryPage at offset 0 answers it', async () => {
    const big = await served.client.queryStart({ sql: 'select i from range(1000000) t(i)', firstPageRows: 1000 });
    expect(big.firstPage).toEqual(await served.client.queryPage({ queryId: big.queryId, offset: 0, limit: 1000 }));
    expect(big.firstPage!.rows.at(-1)).toEqual([999]);
    const small = await served.client.queryStart({ sql: 'select i from range(3) t(i)', firstPageRows: 1000 });
    expect(small.firstPage).toEqual({ rows: [[0], [1], [2]], offset: 0, totalRows: 3, done: true });
    expect((await served.client.queryStart({ sql: 'select 1 as one' })).firstPage).toBeUndefined();
    await Promise.all([big, small].map((q) => served.client.queryClose({ queryId: q.queryId })));
  });

  it('drops a page whose caller stopped waiting: the client aborts its request, the engine skips the work', async () => {
    const started = await served.client.queryStart({ sql: 'select i from range(100000) t(i)' });
    await served.client.queryRowCount({ queryId: started.queryId }); // held whole: a page is a table read
    const page = { queryId: started.queryId, offset: 50_000, limit: 10 };
    // The engine's own answer to an already-dropped call, in process.
    await expect(served.workbench.queryPage(page, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });

    // Over HTTP: the engine's call is held until the client has given up, then let through.
    const real = served.workbench.queryPage;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let engineCall: { signal?: AbortSignal; outcome?: string } | undefined;
    served.workbench.queryPage = async (args, options) => {
      const call: NonNullable<typeof engineCall> = (engineCall = { signal: options?.signal });
      await held;
      const answer = real.call(served.workbench, args, options);
      answer.then(
        () => (call.outcome = 'rows'),
        (e: { code?: string }) => (call.outcome = e.code),
      );
      return answer;
    };
    try {
      const client = new AbortController();
      const asked = served.client.queryPage(page, { signal: client.signal });
      await expect.poll(() => engineCall !== undefined).toBe(true);
      client.abort();
      await expect(asked).rejects.toMatchObject({ code: 'CANCELLED' });
      await expect.poll(() => engineCall?.signal?.aborted).toBe(true);
      release();
      await expect.poll(() => engineCall?.outcome).toBe('CANCELLED');
    } finally {
      served.workbench.queryPage = real;
      release();
    }
    expect((await served.client.queryPage(page)).rows[0]).toEqual([50_000]);
    await served.client.queryClose({ queryId: started.queryId });
  });

  it('queries the workspace lake by table name and sorts a small result', async () => {
    const started = await served.client.queryStart({ sql: 'select order_date, count(*) as n from orders group by 1' });
    const page = await served.client.queryPage({ queryId: started.queryId, offset: 0, limit: 100, sort: [{ column: 'order_date' }] });
    const dates = page.rows.map((r) => r[0] as string);
    expect(dates.length).toBeGreaterThan(5);
    expect([...dates].sort()).toEqual(dates);
    expect(page.done).toBe(true);
    await served.client.queryClose({ queryId: started.queryId });
    const history = await served.client.queryHistory({ search: 'group by 1' });
    expect(history[0].status).toBe('ok');
  });

  it('cancels a long query', async () => {
    const queryId = randomUUID();
    const running = served.client.queryStart({ queryId, sql: 'select sum(a.range * b.range) from range(200000) a, range(200000) b' });
    await served.client.queryCancel({ queryId });
    const error = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkbenchError);
    expect((error as WorkbenchError).code).toBe('CANCELLED');
  });

  it('reports bad SQL and bad arguments with the engine error code', async () => {
    await expect(served.client.queryStart({ sql: 'select * from no_such_table' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(served.client.queryPage({ queryId: 'x', offset: -1, limit: 5 })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('answers an engine error with its HTTP status, or with 200 and the error in the body when the page asks (no console errors)', async () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${served.origin}/api/queryStart`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${served.token}`, ...headers },
        body: JSON.stringify({ sql: 'select * from no_such_table' }),
      });
    const plain = await call({});
    expect(plain.status).toBe(400);
    const inBody = await call({ [ERRORS_IN_BODY_HEADER]: 'yes' });
    expect(inBody.status).toBe(200);
    expect(await inBody.json()).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });

  it('exports a result as a job with progress events', async () => {
    const started = await served.client.queryStart({ sql: 'select i from range(5000) t(i)' });
    const path = join(served.dir, 'export.csv');
    let jobId = '';
    const events = await collectEvents(
      (all) => all.some((e) => e.type === 'job-state' && e.job.jobId === jobId && e.job.state !== 'running'),
      async () => {
        jobId = (await served.client.exportResult({ queryId: started.queryId, format: 'csv', path })).jobId;
      },
    );
    const end = events.find((e) => e.type === 'job-state' && e.job.state !== 'running');
    expect(end).toMatchObject({ job: { state: 'done', result: { rows: 5000 } } });
    expect(events.some((e) => e.type === 'job-progress' && e.progress.jobId === jobId)).toBe(true);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(5001);
    expect(lines[5000]).toBe('4999');
    expect((await served.client.jobs({})).find((j) => j.jobId === jobId)?.state).toBe('done');
  });

  it('previews a Parquet data file and compares versions', async () => {
    const orders = join(served.lake, 'orders');
    const { files } = await served.client.files({ location: orders });
    const preview = await served.client.preview({ location: orders, key: files[0].path, limit: 5 });
    expect(preview.kind).toBe('parquet');
    if (preview.kind !== 'parquet') return;
    expect(preview.rows).toBe(files[0].stats?.numRecords);
    expect(preview.head.rows).toHaveLength(5);
    expect(preview.columnStats.some((c) => c.column === 'order_id' && c.min !== undefined)).toBe(true);

    const history = await served.client.history({ location: orders });
    const addedDiscount = history.find((h) => h.ordinal > 0 && JSON.stringify(h).includes('discount'))?.ordinal ?? 8;
    const diff = await served.client.compareVersions({ location: orders, from: String(addedDiscount - 1), to: String(addedDiscount) });
    expect(diff.schemaChanges.map((c) => [c.column, c.change])).toContainEqual(['discount', 'added']);
    expect(diff.rowsTo - diff.rowsFrom).toBe(diff.rowsAdded - diff.rowsRemoved);
  });

  it('completes table and column names of the workspace', async () => {
    const sql = 'select amo from ord';
    const tables = await served.client.complete({ sql, cursor: sql.length });
    expect(tables.from).toBe(sql.length - 3);
    expect(tables.items).toContainEqual(expect.objectContaining({ text: 'orders', kind: 'table' }));
    const columns = await served.client.complete({ sql, cursor: 'select amo'.length });
    expect(columns.items).toContainEqual(expect.objectContaining({ text: 'amount', kind: 'column' }));
  });

  it('completes the versions of a table after name@', async () => {
    const sql = 'select count(*) from orders@1';
    const versions = await served.client.complete({ sql, cursor: sql.length });
    expect(versions.from).toBe(sql.length - 1);
    expect(versions.items.map((i) => i.text)).toEqual(['11', '10', '1']);
    const all = await served.client.complete({ sql: 'select * from orders@', cursor: 'select * from orders@'.length });
    expect(all.items.map((i) => i.text)).toEqual(['11', '10', '9', '8', '7', '6', '5', '4', '3', '2', '1', '0']);
  });

  it('keeps saved queries', async () => {
    const saved = await served.client.saveQuery({ name: 'revenue', sql: 'select sum(amount) from orders' });
    await served.client.saveQuery({ id: saved.id, name: 'revenue by day', sql: saved.sql });
    expect((await served.client.savedQueries({})).map((q) => q.name)).toEqual(['revenue by day']);
    await served.client.removeSavedQuery({ id: saved.id });
    expect(await served.client.savedQueries({})).toEqual([]);
  });
});

describe('table bindings', () => {
  it('a binding at a version replaces the workspace table of the same name', async () => {
    const orders = join(served.lake, 'orders');
    const count = async (tables?: { name: string; location: string; version: string }[]) => {
      const started = await served.client.queryStart({ sql: 'select count(*) from orders', tables });
      const page = await served.client.queryPage({ queryId: started.queryId, offset: 0, limit: 1 });
      await served.client.queryClose({ queryId: started.queryId });
      return page.rows[0][0];
    };
    const first = (await served.client.history({ location: orders })).at(-1)!;
    const { files } = await served.client.files({ location: orders, version: first.version });
    const rowsAtFirst = files.reduce((sum, f) => sum + (f.stats?.numRecords ?? 0), 0);
    expect(await count([{ name: 'orders', location: orders, version: first.version }])).toBe(rowsAtFirst);
    expect(await count()).not.toBe(rowsAtFirst);
  });
});
