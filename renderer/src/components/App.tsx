/** The app shell: top bar; explorer | editor over results | inspector (table view or object preview); jobs drawer. */
import { memo, useEffect, useState } from 'react';
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
import { CENTER_MIN, fitColumns, fitEditorHeight, HANDLE_PX, paneRange } from '../logic/pane-fit';
import { usePaneLayout, workspaceKey } from '../stores/pane-layout';
import { EditorPane } from './EditorPane';
import { Explorer } from './Explorer';
import { JobsDrawer } from './JobsDrawer';
import { ObjectPreview } from './ObjectPreview';
import { PaneHandle } from './PaneHandle';
import { ResultsPane } from './ResultsPane';
import { useElementSize } from './use-element-size';
import { ShortcutsHelp } from './ShortcutsHelp';
import { Diagnostics } from './Diagnostics';
import { TableView } from './TableView';
import { WorkspaceBar } from './WorkspaceBar';

// Dragging a handle re-renders the shell every frame; the panes themselves take no props and need not follow.
const ExplorerPane = memo(Explorer);
const Editor = memo(EditorPane);
const Results = memo(ResultsPane);
const Inspector = memo(function Inspector({ table }: { table: boolean }) {
  return table ? <TableView /> : <ObjectPreview />;
});

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

/**
 * explorer | center (editor over results) | inspector, each with a drag handle, sized as the workspace's
 * choices fit the window (logic/pane-fit.ts).
 */
function Panes({ inspector, wide, table }: { inspector: boolean; wide: boolean; table: boolean }) {
  const choices = usePaneLayout();
  const [mainRef, main] = useElementSize<HTMLElement>();
  const [centerRef, center] = useElementSize<HTMLDivElement>();
  const columns = fitColumns(main.width, choices, inspector, wide);
  const editorHeight = fitEditorHeight(center.height, choices);
  const handle = `${HANDLE_PX}px`;
  const template = [`${columns.explorer}px`, handle, 'minmax(0, 1fr)', ...(inspector ? [handle, `${columns.inspector}px`] : [])].join(' ');
  // A pane's largest size leaves the center its least width.
  const explorerRange = paneRange('explorer', main.width);
  const inspectorRange = paneRange('inspector', main.width);
  const roomFor = (other: number) => Math.max(0, main.width - other - 2 * HANDLE_PX - CENTER_MIN);
  const editorRange = paneRange('editor', center.height);
  return (
    <main className="panes" ref={mainRef} style={{ gridTemplateColumns: template }} data-testid="panes">
      <div className="pane-slot" style={{ visibility: columns.explorer ? undefined : 'hidden' }} data-testid="pane-explorer">
        <ExplorerPane />
      </div>
      <PaneHandle
        pane="explorer"
        axis="x"
        direction={1}
        size={columns.explorer}
        min={explorerRange.min}
        max={Math.max(explorerRange.min, Math.min(explorerRange.max, roomFor(columns.inspector)))}
        toggles={[{ pane: 'explorer', open: '‹', closed: '›' }]}
        label="Explorer width"
      />
      <div className="center" ref={centerRef} style={{ gridTemplateRows: `${editorHeight}px ${handle} minmax(0, 1fr)` }}>
        <div className="pane-slot" style={{ visibility: editorHeight ? undefined : 'hidden' }} data-testid="pane-editor">
          <Editor />
        </div>
        <PaneHandle
          pane="editor"
          axis="y"
          direction={1}
          size={editorHeight}
          min={editorRange.min}
          max={editorRange.max}
          toggles={[
            { pane: 'editor', open: '▴', closed: '▾' },
            { pane: 'results', open: '▾', closed: '▴' },
          ]}
          label="Editor height"
        />
        <div className="pane-slot" style={{ visibility: choices.collapsed.results ? 'hidden' : undefined }} data-testid="pane-results">
          <Results />
        </div>
      </div>
      {inspector && (
        <>
          <PaneHandle
            pane="inspector"
            axis="x"
            direction={-1}
            size={columns.inspector}
            min={inspectorRange.min}
            max={Math.max(inspectorRange.min, Math.min(inspectorRange.max, roomFor(columns.explorer)))}
            toggles={[{ pane: 'inspector', open: '›', closed: '‹' }]}
            label="Inspector width"
          />
          <aside className="inspector" style={{ visibility: columns.inspector ? undefined : 'hidden' }} data-testid="pane-inspector">
            <Inspector table={table} />
          </aside>
        </>
      )}
    </main>
  );
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
    usePaneLayout.getState().load(workspaceKey(workspace));
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
      <Panes inspector={tableOpen || previewOpen} wide={wideInspector} table={tableOpen} />
      <JobsDrawer />
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
      <Diagnostics />
    </div>
  );
}
