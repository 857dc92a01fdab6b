/** Actions that span stores: running the editor's SQL, and time travel (table view ↔ editor ↔ results). */
import type { FoundTable, JobInfo } from '../../../core/api/workbench';
import { activeTab, useEditor } from './editor';
import { useExplorer } from './explorer';
import { useResults } from './results';
import { latestVersion, useTableView } from './table-view';
import { useWorkspace } from './workspace';

/** Runs SQL from the active tab; `editorOffset` is where it starts in the tab's text (for error markers). */
export function runInActiveTab(sql: string, editorOffset: number): Promise<void> {
  const tab = activeTab(useEditor.getState());
  return useResults.getState().run(tab.id, sql, editorOffset, tab.bindings);
}

/**
 * The version the active tab pins `table` at, if it does. The tab's binding is the one source of truth
 * for a pin: the slider shows it, queries run at it, and only the user moves or drops it.
 */
export function pinnedVersion(table: FoundTable): string | undefined {
  return activeTab(useEditor.getState()).bindings.find((b) => b.name === table.name && b.location === table.location)?.version;
}

/** Opens a table in the table view at the version the active tab pins it at, else at its latest. */
export function openTable(table: FoundTable, connectionId?: string): Promise<void> {
  return useTableView.getState().open(table, connectionId, pinnedVersion(table));
}

/** Re-runs the active tab's last query, if it has one (after its bindings changed). */
function rerunActiveTab(): Promise<void> {
  const last = useResults.getState().byTab[activeTab(useEditor.getState()).id];
  return last ? runInActiveTab(last.sql, last.editorOffset) : Promise.resolve();
}

/** Drops the active tab's pin of `name`: the slider goes back to the latest version and the tab's last query runs again. */
export async function unpin(name: string): Promise<void> {
  const editor = useEditor.getState();
  editor.unbindTable(editor.activeId, name);
  const view = useTableView.getState();
  const latest = latestVersion(view.history);
  const moved = view.table?.name === name && latest !== undefined ? view.setVersion(latest) : Promise.resolve();
  await Promise.all([moved, rerunActiveTab()]);
}

/** Keeps the slider on the pin of the tab being shown when the user switches editor tabs. */
export function followActiveTabPins(): () => void {
  return useEditor.subscribe((state, previous) => {
    if (state.activeId === previous.activeId) return;
    const { table, history } = useTableView.getState();
    if (!table) return;
    const version = pinnedVersion(table) ?? latestVersion(history);
    if (version !== undefined) void useTableView.getState().setVersion(version);
  });
}

/**
 * Moves the table view to `version` and pins the table's view in the active tab at that version; the
 * tab's last query runs again, so its result shows the table as it was.
 */
export async function travelTo(version: string): Promise<void> {
  const { table } = useTableView.getState();
  if (!table) return;
  const details = useTableView.getState().setVersion(version);
  const editor = useEditor.getState();
  const tab = activeTab(editor);
  editor.bindTable(tab.id, { name: table.name, location: table.location, version, label: `v${version}` });
  await Promise.all([details, rerunActiveTab()]);
}

/** After an import or delete has committed: the lake's tables, the explorer and an open table view show the new state. */
export async function refreshAfterWrite(job: JobInfo): Promise<void> {
  if (job.state !== 'done' || (job.kind !== 'import' && job.kind !== 'delete')) return;
  await refreshLake();
}

/** Reloads the lake's tables, the explorer and an open table view (after anything changed a table). */
export async function refreshLake(): Promise<void> {
  useExplorer.getState().reloadRoot();
  await useWorkspace.getState().load();
  const { table } = useTableView.getState();
  if (table) await useTableView.getState().reload(pinnedVersion(table));
}
