/** The app shell: top bar; explorer | editor over results | inspector (table view or object preview); jobs drawer. */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { followActiveTabPins, refreshAfterWrite } from '../stores/actions';
import { activeTab, useEditor } from '../stores/editor';
import { useExplorer } from '../stores/explorer';
import { useJobs } from '../stores/jobs';
import { startMaintenanceSchedules, useMaintenance } from '../stores/maintenance';
import { useResults } from '../stores/results';
import { ownView, useTableView } from '../stores/table-view';
import { followSystemTheme, resolvedTheme, useTheme } from '../stores/theme';
import { useWorkspace } from '../stores/workspace';
import { EditorPane } from './EditorPane';
import { Explorer } from './Explorer';
import { JobsDrawer } from './JobsDrawer';
import { ObjectPreview } from './ObjectPreview';
import { ResultsPane } from './ResultsPane';
import { ShortcutsHelp } from './ShortcutsHelp';
import { Diagnostics } from './Diagnostics';
import { TableView } from './TableView';
import { WorkspaceBar } from './WorkspaceBar';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || !!el.closest('.monaco-editor'));
}

/** App-wide shortcuts; Alt-based so that they do not fight the browser's Ctrl+N/W/J in web mode. */
function useShortcuts(toggleHelp: () => void, closeHelp: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') return closeHelp();
      if (e.key === '?' && !isTyping(e.target)) {
        e.preventDefault();
        return toggleHelp();
      }
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const editor = useEditor.getState();
      const handled: Record<string, () => void> = {
        n: () => editor.addTab(),
        w: () => editor.closeTab(editor.activeId),
        j: () => useJobs.getState().setOpen(!useJobs.getState().open),
        '.': () => void useResults.getState().cancel(activeTab(editor).id),
        f: () => document.querySelector<HTMLInputElement>('[data-testid="explorer-filter"]')?.focus(),
      };
      // e.code: Alt+letter types other characters on macOS keyboards.
      const key = e.code.startsWith('Key') ? e.code.slice(3).toLowerCase() : e.code === 'Period' ? '.' : e.key;
      const action = handled[key];
      if (action) {
        e.preventDefault();
        e.stopPropagation(); // Monaco binds Alt+W (whole-word search) and would take it in the editor
        action();
      }
    };
    // Capture: the app's shortcuts come first, wherever the focus is (the editor included).
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [toggleHelp, closeHelp]);
}

export function App() {
  const [help, setHelp] = useState(false);
  const theme = useTheme((s) => resolvedTheme(s));
  const workspace = useWorkspace((s) => s.info);
  const tableOpen = useTableView((s) => !!s.table);
  // The bucket views' file tables, the Files tab (manifests and their files) and Maintenance need the room.
  const wideInspector = useTableView((s) => !!s.table && (s.tab === 'maintenance' || s.tab === 'quality' || s.tab === 'files' || ownView(s.table) !== undefined));
  const previewOpen = useExplorer((s) => !!s.preview);

  useEffect(() => followSystemTheme(), []);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    void useWorkspace.getState().load();
    void useJobs.getState().refresh();
    const stopSchedules = startMaintenanceSchedules();
    const stopFollowing = followActiveTabPins();
    const unsubscribe = api().onEvent((event) => {
      useJobs.getState().onEvent(event);
      useMaintenance.getState().onEvent(event);
      if (event.type === 'job-state') void refreshAfterWrite(event.job);
    });
    return () => {
      unsubscribe();
      stopSchedules();
      stopFollowing();
    };
  }, []);
  // Opening another location starts browsing it afresh.
  useEffect(() => {
    if (!workspace) return;
    useExplorer.getState().browse(workspace.root, workspace.connectionId);
    useTableView.getState().close();
    useEditor.getState().clearBindings();
  }, [workspace?.root, workspace?.connectionId]);
  useShortcuts(
    () => setHelp((h) => !h),
    () => setHelp(false),
  );

  const notice = useJobs((s) => s.engineNotice);
  const dismiss = useJobs((s) => s.dismissNotice);
  return (
    <div className="app" data-testid="app">
      <WorkspaceBar onHelp={() => setHelp(true)} />
      {notice && (
        <div className="notice" onClick={dismiss}>
          {notice} (click to dismiss)
        </div>
      )}
      <main className={`panes${tableOpen || previewOpen ? ' with-inspector' : ''}${wideInspector ? ' wide-inspector' : ''}`}>
        <Explorer />
        <div className="center">
          <EditorPane />
          <ResultsPane />
        </div>
        {(tableOpen || previewOpen) && <aside className="inspector">{tableOpen ? <TableView /> : <ObjectPreview />}</aside>}
      </main>
      <JobsDrawer />
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
      <Diagnostics />
    </div>
  );
}
