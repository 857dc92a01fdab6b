/**
 * The explorer: the browsed location as a lazily paged tree in a virtualized list, so a bucket with
 * 100,000 objects stays responsive. Scrolling to a folder's "more" row fetches its next page.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { FoundTable } from '../../../core/api/workbench';
import { explorerRows, type ExplorerRow } from '../logic/explorer-rows';
import { formatBytes, formatDate } from '../logic/format';
import { useExplorer } from '../stores/explorer';
import { tableAtKey, useWorkspace } from '../stores/workspace';
import { openTable } from '../stores/actions';
import { useTableView } from '../stores/table-view';
import { ImportDialog } from './ImportDialog';

const ROW_HEIGHT = 26;

function EntryRow({ row, tables }: { row: Extract<ExplorerRow, { kind: 'entry' }>; tables: readonly FoundTable[] }) {
  const { entry, depth } = row;
  const { expanded, selected, toggle, showPreview, connectionId } = useExplorer();
  const table = entry.kind === 'prefix' ? tableAtKey(tables, entry.key) : undefined;
  const onClick = () => {
    if (entry.kind === 'object') {
      useTableView.getState().close(); // the inspector shows the object now
      return void showPreview(entry.key);
    }
    toggle(entry.key);
    useExplorer.setState({ selected: entry.key, ...(table && { preview: undefined }) });
    if (table) void openTable(table, connectionId);
  };
  return (
    <div
      className={`tree-row${selected === entry.key ? ' selected' : ''}`}
      style={{ paddingLeft: 8 + depth * 14 }}
      onClick={onClick}
      title={entry.lastModified ? `${entry.key}\nmodified ${formatDate(entry.lastModified)}` : entry.key}
      data-testid="explorer-entry"
      data-key={entry.key}
    >
      <span className="tree-icon">{entry.kind === 'prefix' ? (expanded[entry.key] ? '▾' : '▸') : '·'}</span>
      <span className="tree-name">{entry.name}</span>
      {table && (
        <span className={`badge badge-${table.layout}`} data-testid="table-badge">
          {table.layout}
        </span>
      )}
      <span className="tree-size" data-testid="entry-size">
        {formatBytes(entry.size)}
      </span>
      <span className="tree-date" data-testid="entry-modified">
        {formatDate(entry.lastModified).slice(0, 16)}
      </span>
    </div>
  );
}

function MoreRow({ row }: { row: Extract<ExplorerRow, { kind: 'more' }> }) {
  const loadPage = useExplorer((s) => s.loadPage);
  // Becoming visible is the signal to fetch: this row only renders when scrolled into view.
  useEffect(() => {
    void loadPage(row.prefix);
  }, [loadPage, row.prefix]);
  return (
    <div className="tree-row muted" style={{ paddingLeft: 8 + row.depth * 14 }} data-testid="explorer-more">
      {row.loading ? 'Loading…' : 'More…'}
    </div>
  );
}

export function Explorer() {
  const { folders, expanded, filter, setFilter, location, connectionId } = useExplorer();
  const workspace = useWorkspace((s) => s.info);
  const findingTables = useWorkspace((s) => s.findingTables);
  const tables = workspace && workspace.root === location ? workspace.tables : [];
  const rows = useMemo(() => explorerRows(folders, expanded, filter), [folders, expanded, filter]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
  });
  const loadedObjects = useMemo(() => Object.values(folders).reduce((n, f) => n + f.entries.length, 0), [folders]);
  const [importing, setImporting] = useState(false);
  return (
    <nav className="explorer" data-testid="explorer">
      <div className="row explorer-tools">
        <input type="search" placeholder="Filter loaded names" value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="explorer-filter" />
        <button onClick={() => setImporting(true)} disabled={!location} title="Import files into a new or existing table" data-testid="explorer-import">
          Import…
        </button>
      </div>
      <div className="tree-header muted">
        <span className="tree-name">Name</span>
        <span className="tree-size">Size</span>
        <span className="tree-date">Modified</span>
      </div>
      <div className="tree" ref={scrollRef}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            return (
              <div key={item.key} className="tree-slot" style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}>
                {row.kind === 'entry' ? (
                  <EntryRow row={row} tables={tables} />
                ) : row.kind === 'more' ? (
                  <MoreRow row={row} />
                ) : (
                  <div className="tree-row status-error" style={{ paddingLeft: 8 + row.depth * 14 }} title={row.message}>
                    {row.message}
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </div>
      <div className="explorer-footer" data-testid="explorer-count">
        {loadedObjects.toLocaleString('en-US')} entries loaded{findingTables ? ' · finding tables…' : ''}
      </div>
      {importing && location && (
        <ImportDialog target={{ location: `${location.replace(/\/+$/, '')}/new_table`, connectionId }} onClose={() => setImporting(false)} />
      )}
    </nav>
  );
}
