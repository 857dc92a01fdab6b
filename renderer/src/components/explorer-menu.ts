/** What the explorer's context menu offers on an item: table actions on tables, paths on folders and objects, names on columns. */
import type { FoundTable } from '../../../core/api/workbench';
import { quoteIdent } from '../../../core/sql-text';
import type { ExplorerRow } from '../logic/explorer-rows';
import { useExplorer } from '../stores/explorer';
import { insertAtCursor } from '../stores/sql-editor-instance';
import { copyText, hasSql, insertTableName, openHistory, previewTable, queryTable } from '../stores/table-actions';
import type { MenuItem } from './TreeMenu';

export interface MenuContext {
  /** The browsed location's URL (objects' paths are relative to it). */
  location: string;
  connectionId?: string;
  tableAt(key: string): FoundTable | undefined;
  /** Opens the import dialog with `inputs` (paths on the engine's machine) prefilled. */
  importFrom(prefix: string): void;
}

const noSql = 'This table has no SQL view: browse it in the table view';

export function menuItems(row: ExplorerRow, context: MenuContext): MenuItem[] {
  if (row.kind === 'column') return [{ label: 'Insert name', testId: 'menu-insert-name', run: () => insertAtCursor(quoteIdent(row.name)) }];
  if (row.kind !== 'entry') return [];
  const { entry } = row;
  const path = `${context.location.replace(/\/+$/, '')}/${entry.key}`;
  const copyPath: MenuItem = { label: 'Copy path', testId: 'menu-copy-path', run: () => copyText(path) };
  const table = entry.kind === 'prefix' ? context.tableAt(entry.key) : undefined;
  if (table) {
    const sqlOff = hasSql(table) ? undefined : noSql;
    return [
      { label: 'Preview', testId: 'menu-preview', run: () => previewTable(table, context.connectionId) },
      { label: 'Query', testId: 'menu-query', run: () => queryTable(table, context.connectionId), disabled: sqlOff },
      { label: 'Insert name', testId: 'menu-insert-name', run: () => insertTableName(table), disabled: sqlOff },
      { label: 'Copy location', testId: 'menu-copy-path', run: () => copyText(table.location) },
      { label: 'Open history', testId: 'menu-history', run: () => openHistory(table, context.connectionId) },
    ];
  }
  if (entry.kind === 'object') return [{ label: 'Preview', testId: 'menu-preview', run: () => useExplorer.getState().showPreview(entry.key) }, copyPath];
  return [copyPath, { label: 'Import into a table…', testId: 'menu-import', run: () => context.importFrom(entry.key) }];
}
