/**
 * The explorer tree's items (role=treeitem, one tab stop for the whole tree): folders and objects,
 * tables with their Preview and Query buttons (shown on hover and focus), their columns, and the note
 * on what a plain folder is.
 */
import type { FoundTable } from '../../../core/api/workbench';
import type { ExplorerRow } from '../logic/explorer-rows';
import { formatBytes, formatDate } from '../logic/format';
import { useExplorer } from '../stores/explorer';
import { hasSql, previewTable, queryTable } from '../stores/table-actions';

/** What every item shares: its place in the tree, the roving tab stop, and the way to its menu. */
export interface ItemProps {
  focusable: boolean;
  onFocusItem(key: string): void;
  onMenu(key: string, x: number, y: number): void;
}

const indent = (depth: number) => 8 + depth * 14;

function itemAttributes(key: string, depth: number, { focusable, onFocusItem, onMenu }: ItemProps) {
  return {
    role: 'treeitem',
    'aria-level': depth + 1,
    tabIndex: focusable ? 0 : -1,
    'data-key': key,
    onFocus: () => onFocusItem(key),
    onContextMenu: (e: React.MouseEvent) => {
      e.preventDefault();
      onMenu(key, e.clientX, e.clientY);
    },
  } as const;
}

export function EntryItem({ row, table, onOpen, ...props }: ItemProps & { row: Extract<ExplorerRow, { kind: 'entry' }>; table?: FoundTable; onOpen(): void }) {
  const { entry, depth } = row;
  const selected = useExplorer((s) => s.selected === entry.key);
  const open = useExplorer((s) => !!s.expanded[entry.key]);
  const connectionId = useExplorer((s) => s.connectionId);
  const folder = entry.kind === 'prefix';
  const act = (action: () => Promise<void>) => (e: React.MouseEvent) => {
    e.stopPropagation(); // the row's own click would toggle it
    void action();
  };
  return (
    <div
      className={`tree-row${selected ? ' selected' : ''}`}
      style={{ paddingLeft: indent(depth) }}
      onClick={onOpen}
      onDoubleClick={table ? () => void previewTable(table, connectionId) : undefined}
      title={entry.lastModified ? `${entry.key}\nmodified ${formatDate(entry.lastModified)}` : entry.key}
      aria-expanded={folder ? open : undefined}
      aria-selected={selected}
      data-testid="explorer-entry"
      {...itemAttributes(entry.key, depth, props)}
    >
      <span className="tree-icon">{folder ? (open ? '▾' : '▸') : '·'}</span>
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
      {table && (
        <span className="tree-actions">
          <button tabIndex={-1} onClick={act(() => previewTable(table, connectionId))} title={hasSql(table) ? 'Open the table and show its first rows' : 'Open the table view'} data-testid="tree-preview">
            Preview
          </button>
          {hasSql(table) && (
            <button tabIndex={-1} onClick={act(() => queryTable(table, connectionId))} title="A new SQL tab over this table" data-testid="tree-query">
              Query
            </button>
          )}
        </span>
      )}
    </div>
  );
}

export function ColumnItem({ row, ...props }: ItemProps & { row: Extract<ExplorerRow, { kind: 'column' }> }) {
  return (
    <div className="tree-row tree-column" style={{ paddingLeft: indent(row.depth) + 12 }} title={`${row.name}: ${row.type}`} data-testid="explorer-column" {...itemAttributes(row.key, row.depth, props)}>
      <span className="tree-name">{row.name}</span>
      <span className="tree-type muted">{row.type}</span>
    </div>
  );
}

export function NoteItem({ row }: { row: Extract<ExplorerRow, { kind: 'note' }> }) {
  return (
    <div className="tree-row tree-note muted" style={{ paddingLeft: indent(row.depth) + 12 }} title={row.text} data-testid="explorer-note" data-key={row.prefix}>
      {row.text}
    </div>
  );
}
