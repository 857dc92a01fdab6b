/**
 * The explorer: the browsed location as a lazily paged tree in a virtualized list, so a bucket with
 * 100,000 objects stays responsive. Scrolling to a folder's "more" row fetches its next page. The tree
 * is keyboard-navigable (role=tree, one tab stop, arrow keys), and tables open, preview and query in one
 * click, from their buttons, a double-click or the context menu.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { FoundTable } from '../../../core/api/workbench';
import { explorerRows, folderNote, rowKey, type ExplorerRow, type FolderState } from '../logic/explorer-rows';
import { treeAction, type TreeItem } from '../logic/tree-keys';
import { useExplorer } from '../stores/explorer';
import { tableAtKey, useWorkspace } from '../stores/workspace';
import { openTable } from '../stores/actions';
import { insertAtCursor } from '../stores/sql-editor-instance';
import { draggedFiles } from '../stores/uploads';
import { useTableView } from '../stores/table-view';
import { quoteIdent } from '../../../core/sql-text';
import { menuItems } from './explorer-menu';
import { ImportDialog, type ImportTarget } from './ImportDialog';
import { ColumnItem, EntryItem, NoteItem, type ItemProps } from './TreeItems';
import { TreeMenu } from './TreeMenu';

const ROW_HEIGHT = 26;

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

/** The key a row is focused and found by, when it is an item of the tree (notes, "more" and errors are not). */
function itemKey(row: ExplorerRow): string | undefined {
  return row.kind === 'entry' ? row.entry.key : row.kind === 'column' ? row.key : undefined;
}

/** Under a table's folder (its log, its data files): no note on what a plain folder is. */
const insideTable = (tables: readonly FoundTable[], prefix: string) => tables.some((t) => prefix.startsWith(`${t.key}/`));

export function Explorer() {
  const { folders, columns, expanded, filter, setFilter, location, connectionId } = useExplorer();
  const workspace = useWorkspace((s) => s.info);
  const findingTables = useWorkspace((s) => s.findingTables);
  const tables = useMemo(() => (workspace && workspace.root === location ? workspace.tables : []), [workspace, location]);
  const noteFor = useCallback((prefix: string, folder: FolderState) => (insideTable(tables, prefix) ? undefined : folderNote(prefix, folder)), [tables]);
  const rows = useMemo(() => explorerRows({ folders, expanded, filter, columns, noteFor }), [folders, expanded, filter, columns, noteFor]);
  const items = useMemo(
    () =>
      rows.flatMap((row): TreeItem[] => {
        const key = itemKey(row);
        if (key === undefined) return [];
        const expandable = row.kind === 'entry' && row.entry.kind === 'prefix';
        return [{ key, depth: row.depth, expandable, expanded: expandable && !!expanded[key] }];
      }),
    [rows, expanded],
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    // By index, a row that moves down (a table's columns arriving above it) would be drawn into another
    // row's element, and the focused element would lose its item (or the focus) mid-navigation.
    getItemKey: useCallback((index: number) => rowKey(rows[index]!), [rows]),
    overscan: 15,
  });
  const loadedObjects = useMemo(() => Object.values(folders).reduce((n, f) => n + f.entries.length, 0), [folders]);
  const [importing, setImporting] = useState<ImportTarget>();
  const [focused, setFocused] = useState<string>();
  const [menu, setMenu] = useState<{ row: ExplorerRow; x: number; y: number }>();
  /** Set by a key press: the item to move the focus to once it is drawn. */
  const moveFocus = useRef<string | undefined>(undefined);

  const rootTable = tableAtKey(tables, '');
  // A location that is itself a table opens in the table view: there is nothing else to pick.
  useEffect(() => {
    if (rootTable) void openTable(rootTable, connectionId);
  }, [rootTable, connectionId]);

  const open = (row: Extract<ExplorerRow, { kind: 'entry' }>) => {
    const { entry } = row;
    if (entry.kind === 'object') {
      useTableView.getState().close(); // the inspector shows the object now
      return void useExplorer.getState().showPreview(entry.key);
    }
    const table = tableAtKey(tables, entry.key);
    const opening = !expanded[entry.key];
    useExplorer.getState().toggle(entry.key);
    if (table && opening) void useExplorer.getState().loadColumns(entry.key, table);
    useExplorer.setState({ selected: entry.key, ...(table && { preview: undefined }) });
    if (table) void openTable(table, connectionId);
  };
  const rowIndex = (key: string) => rows.findIndex((row) => itemKey(row) === key);
  const showMenu = (key: string, x: number, y: number) => {
    const row = rows[rowIndex(key)];
    if (row) setMenu({ row, x, y });
  };
  const importFrom = (prefix: string) => {
    if (!location) return;
    const base = location.replace(/\/+$/, '');
    // Paths are the engine's: a local lake's folder can be named as a glob; a bucket's files are not paths.
    setImporting({ location: `${base}/${prefix.replace(/\/$/, '')}_table`, connectionId, inputs: base.startsWith('/') ? [`${base}/${prefix}*`] : [] });
  };

  /** Files dropped on a table import into it; dropped elsewhere, into a new table. */
  const onDrop = (e: React.DragEvent) => {
    const files = draggedFiles(e);
    if (!files || !location) return;
    e.preventDefault();
    const key = (e.target as HTMLElement).closest('[role="treeitem"]')?.getAttribute('data-key');
    const table = key ? tableAtKey(tables, key) : undefined;
    setImporting({ location: table?.location ?? `${location.replace(/\/+$/, '')}/new_table`, connectionId, files });
  };

  const onTreeKey = (e: React.KeyboardEvent) => {
    const action = treeAction(items, focused, e);
    if (!action) return;
    e.preventDefault();
    const row = rows[rowIndex(action.key)];
    if (action.kind === 'focus') {
      moveFocus.current = action.key;
      setFocused(action.key);
      virtualizer.scrollToIndex(rowIndex(action.key));
    } else if (action.kind === 'menu') {
      const box = scrollRef.current?.querySelector(`[role="treeitem"][data-key="${CSS.escape(action.key)}"]`)?.getBoundingClientRect();
      showMenu(action.key, (box?.left ?? 0) + 24, (box?.bottom ?? 0) + 2);
    } else if (row?.kind === 'entry') open(row);
    else if (row?.kind === 'column' && action.kind === 'activate') insertAtCursor(quoteIdent(row.name));
  };
  // The focus follows the keys once the virtualized list has drawn the item.
  useEffect(() => {
    const key = moveFocus.current;
    if (!key) return;
    const element = scrollRef.current?.querySelector<HTMLElement>(`[role="treeitem"][data-key="${CSS.escape(key)}"]`);
    if (element) {
      moveFocus.current = undefined;
      element.focus();
    }
  });

  // The one tab stop: the focused item while it is in the tree, else the first (worked out once per render, not per row).
  const tabStop = focused !== undefined && rowIndex(focused) >= 0 ? focused : items[0]?.key;
  const itemProps = (key: string): ItemProps => ({
    focusable: key === tabStop,
    onFocusItem: setFocused,
    onMenu: showMenu,
  });
  return (
    <nav className="explorer" data-testid="explorer" onDragOver={(e) => draggedFiles(e) && e.preventDefault()} onDrop={onDrop}>
      <div className="row explorer-tools">
        <input type="search" placeholder="Filter loaded names" value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="explorer-filter" />
        <button onClick={() => location && setImporting({ location: `${location.replace(/\/+$/, '')}/new_table`, connectionId })} disabled={!location} title="Import files into a new or existing table" data-testid="explorer-import">
          Import…
        </button>
      </div>
      <div className="tree-header muted">
        <span className="tree-name">Name</span>
        <span className="tree-size">Size</span>
        <span className="tree-date">Modified</span>
      </div>
      <div className="tree" ref={scrollRef} role="tree" aria-label="Files and tables" onKeyDown={onTreeKey} data-testid="explorer-tree">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            return (
              <div key={item.key} className="tree-slot" style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}>
                {row.kind === 'entry' ? (
                  <EntryItem row={row} table={row.entry.kind === 'prefix' ? tableAtKey(tables, row.entry.key) : undefined} onOpen={() => open(row)} {...itemProps(row.entry.key)} />
                ) : row.kind === 'column' ? (
                  <ColumnItem row={row} {...itemProps(row.key)} />
                ) : row.kind === 'note' ? (
                  <NoteItem row={row} />
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
      {menu && location && (
        <TreeMenu
          x={menu.x}
          y={menu.y}
          items={menuItems(menu.row, { location, connectionId, tableAt: (key) => tableAtKey(tables, key), importFrom })}
          onClose={(returnFocus) => {
            const key = itemKey(menu.row);
            setMenu(undefined);
            if (returnFocus && key) moveFocus.current = key;
          }}
        />
      )}
      {importing && <ImportDialog target={importing} onClose={() => setImporting(undefined)} />}
    </nav>
  );
}
