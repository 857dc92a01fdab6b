/** The SQL editor the page shows, for actions elsewhere that write into it (the explorer's "Insert name"). */
import type { monaco } from '../monaco/setup';

let shown: monaco.editor.IStandaloneCodeEditor | undefined;

export function setShownEditor(editor: monaco.editor.IStandaloneCodeEditor | undefined): void {
  shown = editor;
}

/** Replaces the selection (or inserts at the cursor) with `text` and puts the focus in the editor. */
export function insertAtCursor(text: string): void {
  if (!shown) return;
  const selection = shown.getSelection();
  if (selection) shown.executeEdits('explorer', [{ range: selection, text, forceMoveMarkers: true }]);
  shown.focus();
}
