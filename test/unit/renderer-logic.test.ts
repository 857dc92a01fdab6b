import { describe, expect, it } from 'vitest';
import { sqlErrorPosition, sqlErrorSummary } from '../../renderer/src/logic/sql-error-position';
import { statementAt, statementSeparators } from '../../renderer/src/logic/statement-at-cursor';
import { RowWindow, type FetchPage } from '../../renderer/src/logic/row-window';
import { formatBytes, formatCell } from '../../renderer/src/logic/format';

describe('sqlErrorPosition (messages as DuckDB prints them)', () => {
  it('points at the caret on a later line, with the token length', () => {
    const sql = 'select 1,\n  2 frm x';
    const message = 'Parser Error: syntax error at or near "x"\n\nLINE 2:   2 frm x\n                ^';
    expect(sqlErrorPosition(message, sql)).toEqual({ line: 2, column: 9, length: 1 });
    expect(sql.split('\n')[1][9 - 1]).toBe('x');
  });

  it('maps a windowed long line ("...") back to the real column', () => {
    const sql = 'select ' + Array.from({ length: 60 }, (_, k) => `${k} as c${k}`).join(', ') + ', nope from range(3)';
    const message =
      'Binder Error: Referenced column "nope" not found in FROM clause!\nCandidate bindings: "range"\n\n' +
      'LINE 1: ... c54, 55 as c55, 56 as c56, 57 as c57, 58 as c58, 59 as c59, nope from range(3)\n' +
      '                                                                        ^';
    const pos = sqlErrorPosition(message, sql)!;
    expect(pos.line).toBe(1);
    expect(sql.slice(pos.column - 1, pos.column - 1 + 4)).toBe('nope');
  });

  it('points at the end of the text for "at end of input" and gives up on messages without a position', () => {
    expect(sqlErrorPosition('Parser Error: syntax error at end of input', 'select 1 +\n  2 +')).toEqual({ line: 2, column: 6 });
    expect(sqlErrorPosition('IO Error: no such file', 'select 1')).toBeUndefined();
  });

  it('summarises without the LINE block', () => {
    expect(sqlErrorSummary('Parser Error: syntax error at or near "selec"\n\nLINE 1: selec 1\n        ^')).toBe(
      'Parser Error: syntax error at or near "selec"',
    );
  });
});

describe('statementAt', () => {
  const script = "select 1;\nselect ';' as semi -- a ; in a comment\n;\n\nselect 3 /* ; */";

  it('ignores semicolons in strings and comments', () => {
    expect(statementSeparators(script)).toEqual([8, script.indexOf('\n;') + 1]);
  });

  it('finds the statement under the cursor, and the previous one right after its semicolon', () => {
    expect(statementAt(script, 3)?.sql).toBe('select 1');
    expect(statementAt(script, 9)?.sql).toBe('select 1');
    expect(statementAt(script, script.indexOf("';'"))?.sql).toBe("select ';' as semi -- a ; in a comment");
    expect(statementAt(script, script.length)?.sql).toBe('select 3 /* ; */');
    const third = statementAt(script, script.length)!;
    expect(script.slice(third.start, third.end)).toBe(third.sql);
  });

  it('returns nothing for blank text', () => {
    expect(statementAt('  \n -- only a comment\n', 2)).toBeUndefined();
  });
});

describe('RowWindow', () => {
  /** A result of `total` rows whose row i is [i], with a log of the requests made. */
  function source(total: number) {
    const requests: Array<[number, number]> = [];
    const fetchPage: FetchPage = async (offset, limit) => {
      requests.push([offset, limit]);
      const end = Math.min(total, offset + limit);
      const rows = Array.from({ length: Math.max(0, end - offset) }, (_, k) => [offset + k]);
      return { rows, done: end >= total };
    };
    return { fetchPage, requests };
  }

  it('pages rows in on demand, learns the total at the end and holds a bounded window', async () => {
    const { fetchPage, requests } = source(1_000_000);
    const window = new RowWindow(fetchPage, { pageSize: 1000, maxPages: 4 });
    expect(window.rowCount).toBe(0);
    await window.ensure(0, 50);
    expect(window.row(7)).toEqual([7]);
    expect(window.totalRows).toBeUndefined();
    expect(window.rowCount).toBe(2000); // what is known plus a page to scroll into

    for (let first = 0; first < 1_000_000; first += 50_000) await window.ensure(first, first + 40);
    await window.ensure(999_950, 999_999);
    expect(window.row(999_999)).toEqual([999_999]);
    expect(window.totalRows).toBe(1_000_000);
    expect(window.rowCount).toBe(1_000_000);
    expect(window.cachedRows).toBeLessThanOrEqual(4 * 1000);
    expect(window.row(0)).toBeUndefined(); // evicted, fetched again on return
    const before = requests.length;
    await window.ensure(0, 10);
    expect(window.row(0)).toEqual([0]);
    expect(requests.length).toBe(before + 1);
  });

  it('makes one request per page even when asked twice at once', async () => {
    const { fetchPage, requests } = source(10);
    const window = new RowWindow(fetchPage, { pageSize: 4 });
    await Promise.all([window.ensure(0, 3), window.ensure(1, 2)]);
    expect(requests).toEqual([[0, 4]]);
    await window.ensure(0, 11);
    expect(window.totalRows).toBe(10);
    expect(window.rowCount).toBe(10);
    expect(requests.length).toBe(3);
    await window.ensure(0, 100); // nothing past the known end is asked for
    expect(requests.length).toBe(3);
  });

  /**
   * A result of `total` rows whose pages are answered when the test says so (as an engine busy with
   * other pages would), with every request, its signal and a way to answer it.
   */
  function heldSource(total: number, totalKnown = false) {
    const requests: Array<{ offset: number; signal: AbortSignal; answer(): void }> = [];
    const fetchPage: FetchPage = (offset, limit, signal) =>
      new Promise((resolve) => {
        const end = Math.min(total, offset + limit);
        const rows = Array.from({ length: Math.max(0, end - offset) }, (_, k) => [offset + k]);
        requests.push({ offset, signal, answer: () => resolve({ rows, done: end >= total, ...(totalKnown && { totalRows: total }) }) });
      });
    /** Requests neither answered nor aborted. */
    const open = (answered: Set<number>) => requests.filter((r, i) => !answered.has(i) && !r.signal.aborted);
    return { fetchPage, requests, open };
  }

  it('asks only for the pages in view while scrolling fast, at most two at a time, and drops those it left', async () => {
    const { fetchPage, requests, open } = heldSource(1_000_000);
    const window = new RowWindow(fetchPage, { pageSize: 1000, maxPages: 4 });
    const answered = new Set<number>();
    // A scrollbar dragged end to end: each frame shows 40 rows of the next page; the engine answers nothing meanwhile.
    let last: Promise<void> = Promise.resolve();
    for (let page = 0; page < 1000; page++) {
      last = window.ensure(page * 1000 + 500, page * 1000 + 540);
      expect(open(answered).length).toBeLessThanOrEqual(2);
    }
    // Every request but the one for the end was aborted: the last page waits behind nothing.
    expect(open(answered).map((r) => r.offset)).toEqual([999_000]);
    expect(requests.filter((r) => !r.signal.aborted)).toHaveLength(1);
    requests.at(-1)!.answer();
    await last;
    expect(window.row(999_999)).toEqual([999_999]);
    expect(window.totalRows).toBe(1_000_000);
  });

  it('asks for the pages of a view nearest its middle first and never keeps an answer for a page it left', async () => {
    const { fetchPage, requests } = heldSource(100_000);
    const window = new RowWindow(fetchPage, { pageSize: 100, maxInFlight: 2 });
    void window.ensure(1000, 1499); // pages 10–14
    expect(requests.map((r) => r.offset)).toEqual([1200, 1100]);
    requests[1].answer(); // page 11 arrives: the next nearest takes its place
    await new Promise((resolve) => setTimeout(resolve));
    expect(requests.map((r) => r.offset)).toEqual([1200, 1100, 1300]);
    const moved = window.ensure(50_000, 50_010);
    expect(requests[0].signal.aborted && requests[2].signal.aborted).toBe(true);
    requests[0].answer(); // too late: the page is out of view and its request was aborted
    await new Promise((resolve) => setTimeout(resolve));
    expect(window.row(1200)).toBeUndefined();
    requests.at(-1)!.answer();
    await moved;
    expect(window.row(50_000)).toEqual([50_000]);
  });

  it('stops waiting for pages past the end once a page tells the total', async () => {
    const { fetchPage, requests } = heldSource(6, true);
    const window = new RowWindow(fetchPage, { pageSize: 4, maxInFlight: 1 });
    let shown = false;
    const view = window.ensure(0, 20).then(() => (shown = true)); // pages 0–5, of which only 0 and 1 hold rows
    for (let answered = 0; !shown && answered < requests.length; answered++) {
      requests[answered].answer();
      await new Promise((resolve) => setTimeout(resolve));
    }
    await view;
    // The middle page (2) went first and told the total: pages 3–5 were never asked for.
    expect(requests.map((r) => r.offset)).toEqual([8, 4, 0]);
    expect(window.rowCount).toBe(6);
    expect(window.row(5)).toEqual([5]);
  });

  it('holds a first page that came with the start without asking for it', async () => {
    const { fetchPage, requests } = source(10);
    const window = new RowWindow(fetchPage, { pageSize: 4 });
    window.seedFirstPage({ rows: [[0], [1], [2], [3]], done: false });
    await window.ensure(0, 3);
    expect(window.row(3)).toEqual([3]);
    expect(requests).toEqual([]);
  });

  it('keeps the first error for the grid to show', async () => {
    const window = new RowWindow(async () => {
      throw new Error('query was cancelled');
    });
    await window.ensure(0, 10);
    expect(window.error?.message).toBe('query was cancelled');
  });
});

describe('format', () => {
  it('formats sizes and cells', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GB');
    expect(formatCell(null)).toBe('NULL');
    expect(formatCell({ a: 1 })).toBe('{"a":1}');
  });
});

describe('grid number formatting, filters as SQL, value views', () => {
  it('rounds binary noise off doubles only, unless exact', async () => {
    const { formatValue } = await import('../../renderer/src/logic/format');
    expect(formatValue(651470.0900000018, 'DOUBLE')).toBe('651470.09');
    expect(formatValue(651470.0900000018, 'DOUBLE', true)).toBe('651470.0900000018');
    expect(formatValue(0.1 + 0.2, 'FLOAT')).toBe('0.3');
    expect(formatValue(9007199254740991, 'BIGINT')).toBe('9007199254740991'); // integers keep every digit
    expect(formatValue('651470.0900000018', 'DECIMAL(20,10)')).toBe('651470.0900000018'); // exact decimals too
    expect(formatValue(null, 'DOUBLE')).toBe('NULL');
  });

  it('makes filters a WHERE clause around the statement, quoting names and values', async () => {
    const { filteredSql, whereClause } = await import('../../renderer/src/logic/result-filters');
    expect(whereClause([{ column: 'a"b', op: '=', value: "it's" }])).toBe(`"a""b" = 'it''s'`);
    expect(whereClause([{ column: 'n', op: '>=', value: ' 12.5 ' }, { column: 'n', op: 'is null' }])).toBe('"n" >= 12.5 AND "n" IS NULL');
    expect(whereClause([{ column: 's', op: 'contains', value: '50%_off' }])).toBe(`"s"::VARCHAR ILIKE '%50\\%\\_off%' ESCAPE '\\'`);
    expect(whereClause([{ column: 'd', op: '<=', value: '2024-01-02 00:00:00', cast: 'TIMESTAMP' }])).toBe(`"d"::TIMESTAMP <= '2024-01-02 00:00:00'`);
    expect(filteredSql('select 1 as n -- note\n;', [{ column: 'n', op: '=', value: '1' }])).toBe('SELECT * FROM (\nselect 1 as n -- note\n) AS filtered WHERE "n" = 1');
    expect(filteredSql('select 1', [])).toBe('select 1');
  });

  it('shows JSON indented, binary as hex and text with its length', async () => {
    const { viewOf } = await import('../../renderer/src/logic/value-view');
    expect(viewOf({ a: [1] }, 'STRUCT(a INTEGER[])')).toEqual({ kind: 'json', text: '{\n  "a": [\n    1\n  ]\n}', summary: 'JSON object' });
    expect(viewOf('[1,2]', 'VARCHAR').kind).toBe('json');
    expect(viewOf('[not json', 'VARCHAR')).toEqual({ kind: 'text', text: '[not json', summary: '9 characters' });
    const blob = viewOf(Buffer.from('Hello, binary world!').toString('base64'), 'BLOB');
    expect(blob.summary).toBe('20 bytes');
    expect(blob.text.split('\n')[0]).toBe('00000000  48 65 6c 6c 6f 2c 20 62 69 6e 61 72 79 20 77 6f  Hello, binary wo');
  });

  it('moves a column before another, keeping the rest in order', async () => {
    const { moveColumn } = await import('../../renderer/src/stores/grid-layout');
    expect(moveColumn([], ['0', '1', '2', '3'], '3', '1')).toEqual(['0', '3', '1', '2']);
    expect(moveColumn(['2', '0'], ['0', '1', '2'], '2', undefined)).toEqual(['0', '1', '2']);
  });
});
