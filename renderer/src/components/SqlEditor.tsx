/**
 * The SQL editor: Monaco with one model per tab. Ctrl/Cmd+Enter runs the selection, or else the
 * statement under the cursor; errors from DuckDB are marked where they point.
 */
import { useEffect, useRef } from 'react';
import { monaco, DUCKDB_LANGUAGE_ID } from '../monaco/setup';
import { sqlErrorPosition, sqlErrorSummary } from '../logic/sql-error-position';
import { statementAt } from '../logic/statement-at-cursor';
import { runInActiveTab } from '../stores/actions';
import { activeTab, useEditor } from '../stores/editor';
import { useResults, type QueryRun } from '../stores/results';
import { resolvedTheme, useTheme } from '../stores/theme';

const MARKER_OWNER = 'lakebench-sql';

/** The text to run: the selection when there is one, else the statement around the cursor. */
function textToRun(editor: monaco.editor.IStandaloneCodeEditor): { sql: string; offset: number } | undefined {
  const model = editor.getModel();
  const selection = editor.getSelection();
  if (!model) return undefined;
  if (selection && !selection.isEmpty()) {
    return { sql: model.getValueInRange(selection), offset: model.getOffsetAt(selection.getStartPosition()) };
  }
  const statement = statementAt(model.getValue(), model.getOffsetAt(editor.getPosition() ?? { lineNumber: 1, column: 1 }));
  return statement && { sql: statement.sql, offset: statement.start };
}

export function runFromEditor(editor: monaco.editor.IStandaloneCodeEditor): void {
  const target = textToRun(editor);
  if (target) void runInActiveTab(target.sql, target.offset);
}

/** Marks the error of a failed run in the model, at the position DuckDB reported. */
function markError(model: monaco.editor.ITextModel, run: QueryRun | undefined): void {
  if (!run || run.status !== 'error' || !run.error) {
    monaco.editor.setModelMarkers(model, MARKER_OWNER, []);
    return;
  }
  const position = sqlErrorPosition(run.error, run.sql);
  const lines = run.sql.split('\n');
  const within = position ? lines.slice(0, position.line - 1).reduce((n, l) => n + l.length + 1, 0) + position.column - 1 : 0;
  const start = model.getPositionAt(run.editorOffset + within);
  const word = position ? model.getWordAtPosition(start) : null;
  const length = position?.length ?? (word ? word.endColumn - start.column : 0);
  const end = position ? model.getPositionAt(run.editorOffset + within + Math.max(1, length)) : model.getPositionAt(run.editorOffset + run.sql.length);
  monaco.editor.setModelMarkers(model, MARKER_OWNER, [
    {
      severity: monaco.MarkerSeverity.Error,
      message: sqlErrorSummary(run.error),
      startLineNumber: start.lineNumber,
      startColumn: start.column,
      endLineNumber: end.lineNumber,
      endColumn: end.column,
    },
  ]);
}

export function SqlEditor({ onEditor }: { onEditor?(editor: monaco.editor.IStandaloneCodeEditor): void }) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor>(undefined);
  const models = useRef(new Map<string, monaco.editor.ITextModel>());
  const tab = useEditor((s) => activeTab(s));
  const tabIds = useEditor((s) => s.tabs.map((t) => t.id).join(','));
  const run = useResults((s) => s.byTab[tab.id]);
  const theme = useTheme((s) => resolvedTheme(s));

  useEffect(() => {
    const editor = monaco.editor.create(host.current!, {
      language: DUCKDB_LANGUAGE_ID,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      scrollBeyondLastLine: false,
      fixedOverflowWidgets: true,
      tabSize: 2,
      wordWrap: 'on',
    });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => runFromEditor(editor));
    editorRef.current = editor;
    onEditor?.(editor);
    return () => {
      editor.dispose();
      for (const model of models.current.values()) model.dispose();
      models.current.clear();
    };
  }, [onEditor]);

  // One model per tab keeps each tab's undo history and cursor.
  useEffect(() => {
    const editor = editorRef.current;
    if (!editor) return;
    let model = models.current.get(tab.id);
    if (!model) {
      model = monaco.editor.createModel(tab.sql, DUCKDB_LANGUAGE_ID);
      const id = tab.id;
      model.onDidChangeContent(() => useEditor.getState().setSql(id, models.current.get(id)!.getValue()));
      models.current.set(tab.id, model);
    }
    if (editor.getModel() !== model) editor.setModel(model);
    editor.focus();
  }, [tab.id, tab.sql]);

  // A tab's model text can be replaced from outside (history, saved queries).
  useEffect(() => {
    const model = models.current.get(tab.id);
    if (model && model.getValue() !== tab.sql) model.setValue(tab.sql);
  }, [tab.id, tab.sql]);

  useEffect(() => {
    const open = new Set(tabIds.split(','));
    for (const [id, model] of models.current) {
      if (!open.has(id)) {
        model.dispose();
        models.current.delete(id);
      }
    }
  }, [tabIds]);

  useEffect(() => {
    const model = models.current.get(tab.id);
    if (model) markError(model, run);
  }, [tab.id, run]);

  useEffect(() => monaco.editor.setTheme(theme === 'dark' ? 'vs-dark' : 'vs'), [theme]);

  return <div className="monaco-host" ref={host} data-testid="sql-editor" />;
}
