/**
 * The explorer's tree flattened into the rows a virtualized list draws: entries of expanded folders
 * below their folder, a "load more" row where a folder has further pages, filtered by name.
 */
import type { LsPageEntry } from '../../../core/api/workbench';

export interface FolderState {
  entries: LsPageEntry[];
  /** Set while more pages follow. */
  nextToken?: string;
  loading: boolean;
  error?: string;
}

export type ExplorerRow =
  | { kind: 'entry'; entry: LsPageEntry; depth: number }
  | { kind: 'more'; prefix: string; depth: number; loading: boolean }
  | { kind: 'error'; prefix: string; depth: number; message: string };

export function explorerRows(
  folders: Readonly<Record<string, FolderState>>,
  expanded: Readonly<Record<string, boolean>>,
  filter: string,
): ExplorerRow[] {
  const needle = filter.trim().toLowerCase();
  const rows: ExplorerRow[] = [];
  const visit = (prefix: string, depth: number) => {
    const folder = folders[prefix];
    if (!folder) return;
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
