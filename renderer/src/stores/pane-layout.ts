/**
 * The pane sizes and collapsed panes the user chose, per workspace (a saved connection, or a local
 * folder), kept in localStorage like the maintenance schedules: a per-machine setting of the app that
 * survives a reload. Sizes are fitted into the window by logic/pane-fit.ts.
 */
import { create } from 'zustand';
import { NO_CHOICES, type PaneChoices, type PaneId, type SizedPane } from '../logic/pane-fit';

const KEY_PREFIX = 'lakebench.panes.';

/** The workspace a layout belongs to: its connection, else its root folder. */
export function workspaceKey(info: { root: string; connectionId?: string }): string {
  return info.connectionId ? `connection:${info.connectionId}` : `folder:${info.root}`;
}

function read(key: string): PaneChoices {
  try {
    const stored = JSON.parse(globalThis.localStorage?.getItem(KEY_PREFIX + key) ?? 'null') as Partial<PaneChoices> | null;
    return { sizes: { ...stored?.sizes }, collapsed: { ...stored?.collapsed } };
  } catch {
    return NO_CHOICES; // unreadable (edited by hand): the defaults
  }
}

interface PaneLayoutState extends PaneChoices {
  /** The workspace the choices are for (undefined until one is open: changes are then not kept). */
  key?: string;
  /** Switches to the workspace's own choices. */
  load(key: string): void;
  /** A new size; `keep: false` while a drag is under way (kept once, by `keep()`, when it ends). */
  resize(pane: SizedPane, size: number, keep?: boolean): void;
  /** Writes the current choices to the workspace's storage. */
  keep(): void;
  /** Back to the default size, and open. */
  reset(pane: SizedPane): void;
  toggle(pane: PaneId): void;
}

export const usePaneLayout = create<PaneLayoutState>()((set, get) => {
  const choices = (): PaneChoices => ({ sizes: get().sizes, collapsed: get().collapsed });
  const keep = () => {
    const key = get().key;
    if (key) globalThis.localStorage?.setItem(KEY_PREFIX + key, JSON.stringify(choices()));
  };
  const change = (next: PaneChoices, kept = true) => {
    set(next);
    if (kept) keep();
  };
  return {
    ...NO_CHOICES,
    load: (key) => set({ key, ...read(key) }),
    resize: (pane, size, kept = true) => {
      const { sizes, collapsed } = choices();
      change({ sizes: { ...sizes, [pane]: Math.round(size) }, collapsed: { ...collapsed, [pane]: false } }, kept);
    },
    keep,
    reset: (pane) => {
      const { sizes, collapsed } = choices();
      const { [pane]: _dropped, ...rest } = sizes;
      change({ sizes: rest, collapsed: { ...collapsed, [pane]: false } });
    },
    toggle: (pane) => {
      const { sizes, collapsed } = choices();
      // The editor and the results share the center: showing one never hides both.
      const other = pane === 'editor' ? 'results' : pane === 'results' ? 'editor' : undefined;
      const folding = !collapsed[pane];
      change({ sizes, collapsed: { ...collapsed, [pane]: folding, ...(other && folding && { [other]: false }) } });
    },
  };
});
