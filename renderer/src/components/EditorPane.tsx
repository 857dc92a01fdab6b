/** Editor tabs, Run/Cancel, and the history and saved-queries panel beside the editor. */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { monaco } from '../monaco/setup';
import { activeTab, useEditor } from '../stores/editor';
import { useResults } from '../stores/results';
import { setShownEditor } from '../stores/sql-editor-instance';
import { runFromEditor, SqlEditor } from './SqlEditor';
import { countOf, formatDate, formatDuration } from '../logic/format';
import { fitHistoryWidth, HANDLE_PX, paneRange } from '../logic/pane-fit';
import { usePaneLayout } from '../stores/pane-layout';
import { OverflowScroller } from './OverflowScroller';
import { PaneHandle } from './PaneHandle';
import { useElementSize } from './use-element-size';

function Tabs() {
  const { tabs, activeId, activate, closeTab, addTab } = useEditor();
  return (
    <OverflowScroller className="tabs" role="tablist" scrollTo={activeId} testId="editor-tabs">
      {tabs.map((t) => (
        <div key={t.id} role="tab" aria-selected={t.id === activeId} className={`tab${t.id === activeId ? ' active' : ''}`} onClick={() => activate(t.id)} data-testid="editor-tab" data-scroll-key={t.id}>
          <span>{t.title}</span>
          {tabs.length > 1 && (
            <button
              className="tab-close"
              title="Close tab"
              onClick={(e) => {
                e.stopPropagation();
                closeTab(t.id);
              }}
            >
              ×
            </button>
          )}
        </div>
      ))}
      <button className="tab-add" title="New tab (Alt+N)" onClick={() => addTab()} data-testid="new-tab">
        +
      </button>
    </OverflowScroller>
  );
}

function SidePanel() {
  const [view, setView] = useState<'history' | 'saved'>('history');
  const { history, historySearch, saved, loadHistory, loadSaved, addTab, removeSaved } = useEditor();
  const tabId = useEditor((s) => s.activeId);
  const lastStatus = useResults((s) => s.byTab[tabId]?.status);
  useEffect(() => {
    void loadSaved();
  }, [loadSaved]);
  // The history grows with every run.
  useEffect(() => {
    if (lastStatus !== 'running') void loadHistory();
  }, [lastStatus, loadHistory]);
  return (
    <aside className="side-panel" data-testid="query-side-panel">
      <div className="segmented">
        <button className={view === 'history' ? 'on' : ''} onClick={() => setView('history')}>
          History
        </button>
        <button className={view === 'saved' ? 'on' : ''} onClick={() => setView('saved')}>
          Saved
        </button>
      </div>
      {view === 'history' ? (
        <>
          <input type="search" placeholder="Search history" value={historySearch} onChange={(e) => void loadHistory(e.target.value)} data-testid="history-search" />
          <ul className="plain-list" data-testid="history-list">
            {history.map((h) => (
              <li key={h.id} title={h.error ?? h.sql} onClick={() => addTab({ sql: h.sql, title: 'From history' })}>
                <code>{h.sql.slice(0, 120)}</code>
                <small className={h.status === 'ok' ? '' : 'status-error'}>
                  {formatDate(h.startedAt)} · {h.status} · {countOf(h.rows, 'row')} · {formatDuration(h.durationMs)}
                </small>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <ul className="plain-list" data-testid="saved-list">
          {saved.map((q) => (
            <li key={q.id} onClick={() => addTab({ sql: q.sql, title: q.name, savedId: q.id })}>
              <strong>{q.name}</strong>
              <code>{q.sql.slice(0, 120)}</code>
              <button
                className="link"
                onClick={(e) => {
                  e.stopPropagation();
                  void removeSaved(q.id);
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}

/** "Save query as": the name typed inline in the toolbar (Enter saves, Esc cancels). */
function SaveAs({ name, setName, save }: { name: string; setName(name: string | undefined): void; save(): void }) {
  return (
    <form
      className="row save-as"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <input
        autoFocus
        aria-label="Save query as"
        value={name}
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && setName(undefined)}
        data-testid="save-query-name"
      />
      <button type="submit" className="primary" disabled={!name.trim()} data-testid="save-query-confirm">
        Save
      </button>
      <button type="button" onClick={() => setName(undefined)}>
        Cancel
      </button>
    </form>
  );
}

/** The editor beside the history panel, with the handle between them. */
function EditorBody({ children }: { children: ReactNode }) {
  const choices = usePaneLayout();
  const [ref, body] = useElementSize<HTMLDivElement>();
  const history = fitHistoryWidth(body.width, choices);
  const range = paneRange('history', body.width);
  return (
    <div className="editor-body" ref={ref} style={{ gridTemplateColumns: `minmax(0, 1fr) ${HANDLE_PX}px ${history}px` }}>
      {children}
      <PaneHandle
        pane="history"
        axis="x"
        direction={-1}
        size={history}
        min={range.min}
        max={range.max}
        toggles={[{ pane: 'history', open: '›', closed: '‹' }]}
        label="History width"
      />
      <div className="pane-slot" style={{ visibility: history ? undefined : 'hidden' }} data-testid="pane-history">
        <SidePanel />
      </div>
    </div>
  );
}

export function EditorPane() {
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor>(undefined);
  const tab = useEditor((s) => activeTab(s));
  const saveActive = useEditor((s) => s.saveActive);
  const status = useResults((s) => s.byTab[tab.id]?.status);
  const cancel = useResults((s) => s.cancel);
  const onEditor = useCallback((editor: monaco.editor.IStandaloneCodeEditor) => {
    editorRef.current = editor;
    setShownEditor(editor);
  }, []);
  const [naming, setNaming] = useState<string>();
  return (
    <section className="editor-pane">
      <Tabs />
      <div className="toolbar">
        <button className="primary" onClick={() => editorRef.current && runFromEditor(editorRef.current)} disabled={status === 'running'} data-testid="run">
          ▶ Run
        </button>
        <button onClick={() => void cancel(tab.id)} disabled={status !== 'running'} data-testid="cancel">
          ■ Cancel
        </button>
        {naming === undefined ? (
          <button onClick={() => setNaming(tab.title)} data-testid="save-query">
            Save
          </button>
        ) : (
          <SaveAs
            name={naming}
            setName={setNaming}
            save={() => {
              if (naming.trim()) void saveActive(naming.trim());
              setNaming(undefined);
            }}
          />
        )}
        <span className="hint">Ctrl/⌘+Enter runs the statement under the cursor or the selection</span>
      </div>
      <EditorBody>
        <SqlEditor onEditor={onEditor} />
      </EditorBody>
    </section>
  );
}
