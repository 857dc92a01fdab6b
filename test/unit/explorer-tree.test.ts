/** The explorer tree's pure parts: rows with a table's columns and a folder's note, and the keyboard moves of the WAI-ARIA tree. */
import { describe, expect, it } from 'vitest';
import type { LsPageEntry } from '../../core/api/workbench';
import { explorerRows, folderNote, rowKey, type FolderState } from '../../renderer/src/logic/explorer-rows';
import { treeAction, type TreeItem } from '../../renderer/src/logic/tree-keys';

/** A listed folder of these keys (names are their last segment, as listings give them). */
const folder = (...keys: string[]): FolderState => ({
  loading: false,
  entries: keys.map((key): LsPageEntry => {
    const name = key.split('/').filter(Boolean).at(-1)!;
    return (key.endsWith('/') ? { kind: 'prefix', key, name: `${name}/` } : { kind: 'object', key, name, size: 1, lastModified: '2026-01-01T00:00:00Z' }) as LsPageEntry;
  }),
});

describe('explorer rows', () => {
  it('lists an expanded table its columns first, and notes what a plain folder is', () => {
    const rows = explorerRows({
      folders: { '': folder('events/', 'raw/'), 'events/': folder('events/_delta_log/'), 'raw/': folder('raw/a.csv', 'raw/b.csv') },
      expanded: { 'events/': true, 'raw/': true },
      filter: '',
      columns: { 'events/': { loading: false, fields: [{ name: 'id', type: 'long' }, { name: 'at', type: 'timestamp' }] } },
      noteFor: (prefix, f) => (prefix === 'raw/' ? folderNote(prefix, f) : undefined),
    });
    expect(rows.map((r) => (r.kind === 'entry' ? r.entry.key : r.kind === 'column' ? `${r.name}:${r.type}` : r.kind === 'note' ? r.text : r.kind))).toEqual([
      'events/',
      'id:long',
      'at:timestamp',
      'events/_delta_log/',
      'raw/',
      'plain folder: 2 objects; import them into a table',
      'raw/a.csv',
      'raw/b.csv',
    ]);
  });

  it('keeps a loading table\'s columns apart from a folder\'s next page, whatever the folder is named', () => {
    const rows = explorerRows({
      folders: { '': folder('t/', 'a#b/'), 'a#b/': { ...folder('a#b/1.json'), nextToken: 'next' }, 't/': folder('t/_delta_log/') },
      expanded: { 't/': true, 'a#b/': true },
      filter: '',
      columns: { 't/': { loading: true } },
    });
    // The folder named with `#` gets its own "more" row (the one that loads its next page) …
    expect(rows.filter((r) => r.kind === 'more').map((r) => r.kind === 'more' && r.prefix)).toEqual(['a#b/']);
    // … and the columns on their way are a note, never a "more" row.
    expect(rows.find((r) => r.kind === 'note')).toMatchObject({ prefix: 't/', text: 'Loading columns…' });
    const keys = rows.map(rowKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('tells a staging area from a folder of folders', () => {
    expect(folderNote('lake/s/', folder('lake/s/data/', 'lake/s/schema/'))).toBe(
      'staging area (data/ + schema/) of the Delta table lake/s/delta: compact it into that table with Maintenance › Staging',
    );
    expect(folderNote('x/', folder('x/a/', 'x/b/'))).toBe('plain folder: 2 folders, no table');
  });
});

describe('tree keys', () => {
  const items: TreeItem[] = [
    { key: 'a/', depth: 0, expandable: true, expanded: true },
    { key: 'a/x', depth: 1, expandable: false, expanded: false },
    { key: 'b/', depth: 0, expandable: true, expanded: false },
  ];
  it('moves up, down, home and end, and into and out of folders', () => {
    expect(treeAction(items, 'a/', { key: 'ArrowDown' })).toEqual({ kind: 'focus', key: 'a/x' });
    expect(treeAction(items, 'b/', { key: 'ArrowDown' })).toEqual({ kind: 'focus', key: 'b/' });
    expect(treeAction(items, 'a/x', { key: 'ArrowUp' })).toEqual({ kind: 'focus', key: 'a/' });
    expect(treeAction(items, 'a/x', { key: 'Home' })).toEqual({ kind: 'focus', key: 'a/' });
    expect(treeAction(items, 'a/', { key: 'End' })).toEqual({ kind: 'focus', key: 'b/' });
    expect(treeAction(items, 'a/', { key: 'ArrowRight' })).toEqual({ kind: 'focus', key: 'a/x' });
    expect(treeAction(items, 'b/', { key: 'ArrowRight' })).toEqual({ kind: 'toggle', key: 'b/' });
    expect(treeAction(items, 'a/x', { key: 'ArrowLeft' })).toEqual({ kind: 'focus', key: 'a/' });
    expect(treeAction(items, 'a/', { key: 'ArrowLeft' })).toEqual({ kind: 'toggle', key: 'a/' });
  });
  it('opens the menu with the context-menu key or Shift+F10 only, and activates with Enter', () => {
    expect(treeAction(items, 'b/', { key: 'ContextMenu' })).toEqual({ kind: 'menu', key: 'b/' });
    expect(treeAction(items, 'b/', { key: 'F10', shiftKey: true })).toEqual({ kind: 'menu', key: 'b/' });
    expect(treeAction(items, 'b/', { key: 'F10' })).toBeUndefined();
    expect(treeAction(items, undefined, { key: 'Enter' })).toEqual({ kind: 'activate', key: 'a/' });
    expect(treeAction(items, 'b/', { key: 'x' })).toBeUndefined();
  });
});
