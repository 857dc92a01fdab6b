/**
 * The table view picks what it shows from the table's capabilities, never from its kind: the real
 * TableView and MaintenancePanel rendered (react-dom/server) for tables that differ only in what they
 * offer — a read-only table with snapshots (the shape Iceberg will have), a Delta table, a table without
 * history, one with a view of its own, one that supports no operation.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { FoundTable, HistoryEntry, TableCapabilities } from '../../core/api/workbench';
import { deltaFormat } from '../../core/formats/delta/plugin';
import { desFormat } from '../../core/formats/des/plugin';
import { OpenTableView } from '../../renderer/src/components/TableView';
import type { TableTab } from '../../renderer/src/stores/table-view';

const table = (layout: string, capabilities: TableCapabilities): FoundTable => ({ name: 't', key: 't', location: `/lake/${layout}`, layout, capabilities });

const history: HistoryEntry[] = [
  { version: '8812345678901234567', ordinal: 2, timestamp: '2026-11-23T10:00:00.000Z', operation: 'append' },
  { version: '1234567890123456789', ordinal: 1, timestamp: '2026-11-22T10:00:00.000Z', operation: 'append' },
];

/** The table view's markup for `shown`, with its history loaded and `tab` selected. */
function render(shown: FoundTable, tab: TableTab = 'history', loaded: HistoryEntry[] = []): string {
  const view = { table: shown, history: loaded, version: loaded[0]?.version, tab, details: {}, pages: { files: 0, partitions: 0 }, showPage: async () => undefined, loading: false, setTab: async () => undefined, close: () => undefined };
  return renderToStaticMarkup(createElement(OpenTableView, { view }));
}

const tabs = (markup: string): string[] => [...markup.matchAll(/data-testid="table-tab-([a-z]+)"/g)].map((m) => m[1]!);
const operations = (markup: string): string[] => [...markup.matchAll(/data-testid="mt-op-([a-z-]+)"/g)].map((m) => m[1]!);

describe('the table view picks tabs from capabilities', () => {
  const readOnlySnapshots = table('snapshots', {
    views: ['history', 'schema', 'files', 'partitions', 'compare', 'quality', 'preview'],
    versionRefs: ['id', 'time', 'tag', 'branch'],
    operations: { verify: {} },
  });

  it('a read-only table with snapshots: slider over its ids, every read tab, maintenance with verify only, no import', () => {
    const markup = render(readOnlySnapshots, 'history', history);
    expect(tabs(markup)).toEqual(['history', 'schema', 'files', 'partitions', 'compare', 'maintenance', 'quality']);
    expect(markup).toContain('data-testid="time-travel"');
    // Ordered by ordinal, 64-bit ids shown whole.
    expect(markup).toMatch(/data-testid="time-travel-version">v8812345678901234567</);
    expect(markup).not.toContain('data-testid="table-import"');
    expect(operations(render(readOnlySnapshots, 'maintenance', history))).toEqual(['verify']);
  });

  it("a Delta table (its real capabilities): import, and every maintenance operation but the other formats' own", () => {
    const delta = table('delta', deltaFormat.capabilities);
    const markup = render(delta, 'maintenance', [{ version: '0', ordinal: 0, timestamp: '2026-11-23T10:00:00.000Z' }]);
    expect(tabs(markup)).toEqual(['history', 'schema', 'files', 'partitions', 'compare', 'maintenance', 'quality']);
    expect(markup).toContain('data-testid="table-import"');
    expect(operations(markup)).toEqual(['verify', 'compact', 'orphans', 'vacuum', 'repack', 'checkpoint', 'expire', 'maintain', 'compact-staging']);
    expect(markup).toContain('data-testid="mt-schedule"'); // maintain is supported: it can be scheduled
  });

  it('a table without history: says so, no slider, and opens on its first tab', () => {
    const folder = table('folder', { views: ['schema', 'files', 'partitions', 'quality', 'preview'], versionRefs: [], operations: { verify: {} } });
    const markup = render(folder);
    expect(markup).toContain('data-testid="no-history"');
    expect(markup).not.toContain('data-testid="time-travel"');
    expect(tabs(markup)).toEqual(['schema', 'files', 'partitions', 'maintenance', 'quality']);
    expect(markup).toMatch(/class="on"[^>]*data-testid="table-tab-schema"/);
  });

  it('a table with a view of its own gets that view instead of the standard tabs', () => {
    const markup = render(table('archive-like', desFormat.capabilities));
    expect(markup).toContain('data-testid="archive-view"');
    expect(tabs(markup)).toEqual([]);
  });

  it('a table that supports no operation has no maintenance tab', () => {
    const markup = render(table('opaque', { views: ['schema'], versionRefs: [], operations: {} }));
    expect(tabs(markup)).toEqual(['schema']);
  });
});
