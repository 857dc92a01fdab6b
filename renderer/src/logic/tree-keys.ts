/**
 * Keyboard navigation of the explorer tree (the WAI-ARIA tree pattern): what a key does to the focused
 * item. Pure, over the items as drawn, so that it holds however the rows are virtualized.
 */
export interface TreeItem {
  key: string;
  depth: number;
  /** A folder or table (it has children to show). */
  expandable: boolean;
  expanded: boolean;
}

export type TreeAction =
  | { kind: 'focus'; key: string }
  | { kind: 'toggle'; key: string }
  | { kind: 'activate'; key: string }
  | { kind: 'menu'; key: string };

export interface KeyPress {
  key: string;
  shiftKey?: boolean;
}

/** The action for `press` on the item `focused` (the first item when none is), or undefined when the key is not the tree's. */
export function treeAction(items: readonly TreeItem[], focused: string | undefined, press: KeyPress): TreeAction | undefined {
  if (items.length === 0) return undefined;
  const found = items.findIndex((item) => item.key === focused);
  const index = found < 0 ? 0 : found;
  const item = items[index];
  const focusAt = (i: number): TreeAction => ({ kind: 'focus', key: items[Math.max(0, Math.min(items.length - 1, i))].key });
  switch (press.key) {
    case 'ArrowDown':
      return focusAt(index + 1);
    case 'ArrowUp':
      return focusAt(index - 1);
    case 'Home':
      return focusAt(0);
    case 'End':
      return focusAt(items.length - 1);
    case 'ArrowRight':
      if (!item.expandable) return undefined;
      if (!item.expanded) return { kind: 'toggle', key: item.key };
      return items[index + 1]?.depth > item.depth ? focusAt(index + 1) : undefined;
    case 'ArrowLeft': {
      if (item.expandable && item.expanded) return { kind: 'toggle', key: item.key };
      for (let i = index - 1; i >= 0; i--) if (items[i].depth < item.depth) return focusAt(i);
      return undefined;
    }
    case 'Enter':
      return { kind: 'activate', key: item.key };
    case 'ContextMenu':
      return { kind: 'menu', key: item.key };
    case 'F10':
      return press.shiftKey ? { kind: 'menu', key: item.key } : undefined;
    default:
      return undefined;
  }
}
