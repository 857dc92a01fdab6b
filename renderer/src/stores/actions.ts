/** Actions that span stores: running the editor's SQL, and time travel (table view ↔ editor ↔ results). */
import type { JobInfo } from '../../../core/api/workbench';
import { activeTab, useEditor } from './editor';
import { useExplorer } from './explorer';
import { useResults } from './results';
import { useTableView } from './table-view';
import { useWorkspace } from './workspace';

/** Runs SQL from the active tab; `editorOffset` is where it starts in the tab's text (for error markers). */
export function runInActiveTab(sql: string, editorOffset: number): Promise<void> {
  const tab = activeTab(useEditor.getState());
  return useResults.getState().run(tab.id, sql, editorOffset, tab.bindings);
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
  const last = useResults.getState().byTab[tab.id];
  const rerun = last ? runInActiveTab(last.sql, last.editorOffset) : Promise.resolve();
  await Promise.all([details, rerun]);
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
  const { table, connectionId } = useTableView.getState();
  if (table) await useTableView.getState().open(table, connectionId);
}
