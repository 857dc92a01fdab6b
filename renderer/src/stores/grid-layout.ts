/**
 * How each tab's results grid lays out its columns: widths, hidden columns, order, exact numbers. Kept
 * per tab while the result has the same columns, so a filtered or re-run result keeps the user's layout;
 * a result with other columns starts afresh. Column ids are the columns' positions in the result.
 */
import { create } from 'zustand';
import type { ColumnOrderState, ColumnSizingState, ColumnVisibilityState } from '@tanstack/react-table';

export interface GridLayout {
  /** The column names the layout is for. */
  signature: string;
  sizing: ColumnSizingState;
  visibility: ColumnVisibilityState;
  order: ColumnOrderState;
  /** Show doubles with every digit (651470.0900000018) instead of rounded. */
  exactNumbers: boolean;
}

type Updater<T> = T | ((old: T) => T);
export type LayoutPart = 'sizing' | 'visibility' | 'order' | 'exactNumbers';

interface GridLayoutState {
  byTab: Record<string, GridLayout>;
  /** Changes one part of the tab's layout for a result with these columns (starting afresh when they changed). */
  change<K extends LayoutPart>(tabId: string, names: readonly string[], key: K, updater: Updater<GridLayout[K]>): void;
}

export function signatureOf(names: readonly string[]): string {
  return names.join('\u0000');
}

export function freshLayout(names: readonly string[]): GridLayout {
  return { signature: signatureOf(names), sizing: {}, visibility: {}, order: [], exactNumbers: false };
}

/** The tab's layout if it is for these columns, else undefined (the caller uses a fresh one). */
export function storedLayout(byTab: Record<string, GridLayout>, tabId: string, names: readonly string[]): GridLayout | undefined {
  const layout = byTab[tabId];
  return layout?.signature === signatureOf(names) ? layout : undefined;
}

export const useGridLayout = create<GridLayoutState>()((set) => ({
  byTab: {},
  change: (tabId, names, key, updater) =>
    set((s) => {
      const layout = storedLayout(s.byTab, tabId, names) ?? freshLayout(names);
      const value = typeof updater === 'function' ? (updater as (old: GridLayout[typeof key]) => GridLayout[typeof key])(layout[key]) : updater;
      return { byTab: { ...s.byTab, [tabId]: { ...layout, [key]: value } } };
    }),
}));

/** The column order with `id` moved to just before `before` (or to the end); ids the order lacks keep result order. */
export function moveColumn(order: ColumnOrderState, all: readonly string[], id: string, before: string | undefined): ColumnOrderState {
  const full = [...order.filter((c) => all.includes(c)), ...all.filter((c) => !order.includes(c))];
  const without = full.filter((c) => c !== id);
  const at = before === undefined ? -1 : without.indexOf(before);
  without.splice(at < 0 ? without.length : at, 0, id);
  return without;
}
