/**
 * The shell's pane sizes: what the user chose (or the defaults, which scale with the window so that a 4K
 * screen gets wide panes and a laptop gets a usable editor), fitted into the room there is. Pure.
 *
 * Columns: explorer | center (editor over results, history beside the editor) | inspector.
 * When the window is too narrow for all of them, the inspector gives way first, then the explorer, so
 * the center keeps CENTER_MIN and explorer labels keep their room as long as they can.
 */

export const PANES = ['explorer', 'inspector', 'history', 'editor', 'results'] as const;
export type PaneId = (typeof PANES)[number];
/** The panes with a size of their own: the results take what the editor leaves. */
export type SizedPane = Exclude<PaneId, 'results'>;

/** What the user chose: sizes in CSS pixels (absent = the default) and the collapsed panes. */
export interface PaneChoices {
  sizes: Partial<Record<SizedPane, number>>;
  collapsed: Partial<Record<PaneId, boolean>>;
}

export const NO_CHOICES: PaneChoices = { sizes: {}, collapsed: {} };

/** The width of a drag handle between two panes. */
export const HANDLE_PX = 6;
/** The editor column's least width with the explorer and inspector open (the issue: ~480 px at 1280×800). */
export const CENTER_MIN = 480;

interface Bounds {
  min: number;
  /** The largest share of the room (width, or the center's height for the editor). */
  maxShare: number;
  /** The default: this share of the room, within [min, defaultMax]. */
  share: number;
  defaultMax: number;
}

const BOUNDS: Record<SizedPane, Bounds> = {
  explorer: { min: 200, maxShare: 0.5, share: 0.2, defaultMax: 560 },
  inspector: { min: 300, maxShare: 0.6, share: 0.28, defaultMax: 900 },
  history: { min: 160, maxShare: 0.6, share: 0.18, defaultMax: 480 },
  editor: { min: 120, maxShare: 0.85, share: 0.42, defaultMax: 1200 },
};

/** The inspector's default for views that need the room (maintenance, files, bucket views). */
const WIDE_INSPECTOR: Bounds = { ...BOUNDS.inspector, share: 0.4, defaultMax: 1200 };

const clamp = (value: number, min: number, max: number): number => Math.max(min, Math.min(max, value));

function boundsOf(pane: SizedPane, wide: boolean): Bounds {
  return pane === 'inspector' && wide ? WIDE_INSPECTOR : BOUNDS[pane];
}

/** The least and largest size of a pane in a room of `room` pixels (the window's width; the center's height for the editor). */
export function paneRange(pane: SizedPane, room: number): { min: number; max: number } {
  const { min, maxShare } = BOUNDS[pane];
  return { min, max: Math.max(min, Math.round(room * maxShare)) };
}

/** The size the user chose, else the default for this room, within the pane's range. */
export function chosenSize(pane: SizedPane, choices: PaneChoices, room: number, wide = false): number {
  const b = boundsOf(pane, wide);
  const { min, max } = paneRange(pane, room);
  const wanted = choices.sizes[pane] ?? clamp(Math.round(room * b.share), b.min, b.defaultMax);
  return clamp(wanted, min, max);
}

export interface FittedColumns {
  /** 0 when collapsed or absent. */
  explorer: number;
  inspector: number;
  center: number;
}

/**
 * The columns' widths in a window `width` wide. `inspectorShown`: a table or object is open; `wide`: its view
 * wants room. The inspector shrinks first (down to its min), then the explorer, to leave the center CENTER_MIN.
 */
export function fitColumns(width: number, choices: PaneChoices, inspectorShown: boolean, wide: boolean): FittedColumns {
  const explorerOpen = !choices.collapsed.explorer;
  const inspectorOpen = inspectorShown && !choices.collapsed.inspector;
  const handles = HANDLE_PX * (inspectorShown ? 2 : 1);
  let explorer = explorerOpen ? chosenSize('explorer', choices, width) : 0;
  let inspector = inspectorOpen ? chosenSize('inspector', choices, width, wide) : 0;
  const over = () => explorer + inspector + handles + CENTER_MIN - width;
  if (inspectorOpen && over() > 0) inspector = Math.max(BOUNDS.inspector.min, inspector - over());
  if (explorerOpen && over() > 0) explorer = Math.max(BOUNDS.explorer.min, explorer - over());
  return { explorer, inspector, center: Math.max(0, width - explorer - inspector - handles) };
}

/** The editor's height over the results in a center `height` tall (collapsing one gives the other all of it). */
export function fitEditorHeight(height: number, choices: PaneChoices): number {
  const room = height - HANDLE_PX;
  if (choices.collapsed.editor) return 0;
  if (choices.collapsed.results) return room;
  return Math.min(chosenSize('editor', choices, height), Math.max(0, room - BOUNDS.editor.min));
}

/** The history panel's width beside an editor column `width` wide (0 when collapsed). */
export function fitHistoryWidth(width: number, choices: PaneChoices): number {
  return choices.collapsed.history ? 0 : chosenSize('history', choices, width);
}
