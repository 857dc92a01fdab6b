/**
 * The explorer's tree flattened into the rows a virtualized list draws: entries of expanded folders
 * below their folder, a table's columns first when it is expanded, a note saying what a plain folder is,
 * a "load more" row where a folder has further pages, filtered by name.
 */
import type { LsPageEntry } from '../../../core/api/workbench';
import { stagingTarget } from '../../../core/api/workbench';

export interface FolderState {
  entries: LsPageEntry[];
  /** Set while more pages follow. */
  nextToken?: string;
  loading: boolean;
  error?: string;
}

/** A table's columns as the tree shows them, fetched lazily from its schema when it is expanded. */
export interface TableColumns {
  loading: boolean;
  fields?: { name: string; type: string }[];
  error?: string;
}

export type ExplorerRow =
  | { kind: 'entry'; entry: LsPageEntry; depth: number }
  | { kind: 'column'; key: string; table: string; name: string; type: string; depth: number }
  | { kind: 'note'; key: string; prefix: string; depth: number; text: string }
  | { kind: 'more'; prefix: string; depth: number; loading: boolean }
  | { kind: 'error'; prefix: string; depth: number; message: string };

export interface ExplorerRowsInput {
  folders: Readonly<Record<string, FolderState>>;
  expanded: Readonly<Record<string, boolean>>;
  filter: string;
  /** Columns of expanded tables, by the table's key. */
  columns?: Readonly<Record<string, TableColumns>>;
  /** What an expanded folder that is no table holds and what can be done with it (undefined: no note). */
  noteFor?: (prefix: string, folder: FolderState) => string | undefined;
}

/** The key of a column row (never an object key: `#` cannot end a listed prefix). */
export const columnRowKey = (table: string, column: string): string => `${table}#${column}`;

/**
 * A row's identity in the drawn list, unique across kinds (a folder's "more" row and its note share its
 * prefix). Keyed by it, a drawn row keeps its element while rows above it come and go, so the focused
 * item keeps the focus when a table's columns or a folder's page arrive.
 */
export function rowKey(row: ExplorerRow): string {
  switch (row.kind) {
    case 'entry':
      return `entry:${row.entry.key}`;
    case 'column':
    case 'note':
      return `${row.kind}:${row.key}`;
    case 'more':
    case 'error':
      return `${row.kind}:${row.prefix}`;
  }
}

export function explorerRows({ folders, expanded, filter, columns = {}, noteFor }: ExplorerRowsInput): ExplorerRow[] {
  const needle = filter.trim().toLowerCase();
  const rows: ExplorerRow[] = [];
  const visit = (prefix: string, depth: number) => {
    const table = columns[prefix];
    if (table?.fields) {
      for (const field of table.fields) rows.push({ kind: 'column', key: columnRowKey(prefix, field.name), table: prefix, name: field.name, type: field.type, depth });
    } else if (table?.loading) rows.push({ kind: 'note', key: `${prefix}#columns`, prefix, depth, text: 'Loading columns…' });
    else if (table?.error) rows.push({ kind: 'error', prefix, depth, message: table.error });
    const folder = folders[prefix];
    if (!folder) return;
    const note = prefix !== '' && !folder.loading ? noteFor?.(prefix, folder) : undefined;
    if (note) rows.push({ kind: 'note', key: `${prefix}#note`, prefix, depth, text: note });
    for (const entry of folder.entries) {
      const open = entry.kind === 'prefix' && expanded[entry.key];
      // An open folder stays visible so that matches inside it can be seen.
      if (needle && !open && !entry.name.toLowerCase().includes(needle)) continue;
      rows.push({ kind: 'entry', entry, depth });
      if (open) visit(entry.key, depth + 1);
    }
    if (folder.error) rows.push({ kind: 'error', prefix, depth, message: folder.error });
    else if (folder.nextToken !== undefined || (folder.loading && folder.entries.length === 0)) {
      rows.push({ kind: 'more', prefix, depth, loading: folder.loading });
    }
  };
  visit('', 0);
  return rows;
}

/**
 * What the folder at `prefix` that is no table is, from its listing: a Lakeside-style staging area
 * (`data/` and `schema/` inside) is compacted into the table it names; a folder of files can be
 * imported into one.
 */
export function folderNote(prefix: string, folder: FolderState): string {
  const names = new Set(folder.entries.filter((e) => e.kind === 'prefix').map((e) => e.name.replace(/\/$/, '')));
  if (names.has('data') && names.has('schema')) {
    return `staging area (data/ + schema/) of the Delta table ${stagingTarget(prefix)}: compact it into that table with Maintenance › Staging`;
  }
  const objects = folder.entries.filter((e) => e.kind === 'object').length;
  const more = folder.nextToken !== undefined ? '+' : '';
  if (objects > 0) return `plain folder: ${objects.toLocaleString('en-US')}${more} ${objects === 1 ? 'object' : 'objects'}; import them into a table`;
  return `plain folder: ${names.size.toLocaleString('en-US')}${more} ${names.size === 1 ? 'folder' : 'folders'}, no table`;
}
