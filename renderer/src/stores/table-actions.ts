/**
 * The explorer's one-click actions on a table: Preview (its first rows in the grid, beside the table
 * view), Query (a new SQL tab over it), Insert name, Copy location and Open history. What a table offers
 * decides what they do (its capabilities, never its kind).
 */
import type { FoundTable } from '../../../core/api/workbench';
import { quoteIdent } from '../../../core/sql-text';
import { api } from '../api/client';
import { openTable } from './actions';
import { queryInNewTab, sqlName } from './bucket-query';
import { useEditor, type TabBinding } from './editor';
import { insertAtCursor } from './sql-editor-instance';
import { offers, useTableView } from './table-view';

/** Rows a preview shows: a screenful and some, cheap on any table. */
export const PREVIEW_ROWS = 100;

/** Whether the table can be read with SQL (DES archives are browsed entry by entry instead). */
export const hasSql = (table: FoundTable): boolean => offers(table, 'preview');

/** The SQL name a query uses for the table: its own, or for a LakeSync bucket (a view per table inside) its first table's. */
async function sqlTarget(table: FoundTable, connectionId?: string): Promise<{ name: string; binding: TabBinding }> {
  const binding: TabBinding = { name: sqlName(table.name), location: table.location, ...(connectionId && { connectionId }) };
  if (!offers(table, 'lakesync')) return { name: binding.name, binding };
  const summary = await api().lakeSyncSummary({ location: table.location, connectionId });
  return { name: summary.tables[0]?.name ?? binding.name, binding };
}

const previewSql = (name: string) => `SELECT * FROM ${quoteIdent(name)} LIMIT ${PREVIEW_ROWS}`;

/** Opens the table view and, for a table SQL can read, runs a preview of its first rows in a new tab. */
export async function previewTable(table: FoundTable, connectionId?: string): Promise<void> {
  const opened = openTable(table, connectionId);
  if (hasSql(table)) {
    const { name, binding } = await sqlTarget(table, connectionId);
    await queryInNewTab(`${table.name} preview`, previewSql(name), binding);
  }
  await opened;
}

/** A new SQL tab over the table, ready to edit and run. */
export async function queryTable(table: FoundTable, connectionId?: string): Promise<void> {
  const { name, binding } = await sqlTarget(table, connectionId);
  useEditor.getState().addTab({ title: table.name, sql: previewSql(name), bindings: [binding] });
}

/** Writes the table's SQL name into the editor at the cursor. */
export function insertTableName(table: FoundTable): void {
  insertAtCursor(quoteIdent(sqlName(table.name)));
}

export function copyText(text: string): Promise<void> {
  return navigator.clipboard.writeText(text);
}

/** Opens the table view on its History tab (or on its own view, which holds its history). */
export async function openHistory(table: FoundTable, connectionId?: string): Promise<void> {
  await openTable(table, connectionId);
  if (offers(table, 'history')) await useTableView.getState().setTab('history');
}
