/** Completion of keywords, functions, tables and columns, answered by the engine (`complete`). */
import type * as Monaco from 'monaco-editor/editor/editor.api';
import type { Completion } from '../../../core/api/workbench';
import { api } from '../api/client';
import { activeTab, useEditor } from '../stores/editor';

function kindOf(monaco: typeof Monaco, kind: Completion['kind']): Monaco.languages.CompletionItemKind {
  const kinds = monaco.languages.CompletionItemKind;
  switch (kind) {
    case 'keyword':
      return kinds.Keyword;
    case 'function':
      return kinds.Function;
    case 'table':
      return kinds.Struct;
    case 'column':
      return kinds.Field;
    default:
      return kinds.Text;
  }
}

export function registerCompletion(monaco: typeof Monaco, languageId: string): void {
  monaco.languages.registerCompletionItemProvider(languageId, {
    triggerCharacters: ['.', ' '],
    provideCompletionItems: async (model, position) => {
      const sql = model.getValue();
      const cursor = model.getOffsetAt(position);
      const tab = activeTab(useEditor.getState());
      const answer = await api().complete({ sql, cursor, tables: tab.bindings.length ? tab.bindings : undefined });
      const start = model.getPositionAt(answer.from);
      const range = new monaco.Range(start.lineNumber, start.column, position.lineNumber, position.column);
      return {
        suggestions: answer.items.map((item, i) => ({
          label: item.text,
          kind: kindOf(monaco, item.kind),
          insertText: item.text,
          detail: item.detail,
          range,
          // Keep the engine's order: tables and columns first, as it ranks them.
          sortText: String(i).padStart(5, '0'),
        })),
      };
    },
  });
}
