/**
 * Where in the query text a DuckDB error points. DuckDB appends the offending line and a caret:
 *
 *   Parser Error: syntax error at or near "frm"
 *
 *   LINE 2:   2 frm x
 *                 ^
 *
 * Long lines are shown as a window that starts with "..."; the window is found again in the query text
 * to get the real column. Errors without a LINE block (e.g. "syntax error at end of input") point at
 * the end of the text.
 */
export interface SqlErrorPosition {
  /** 1-based line within the query text. */
  line: number;
  /** 1-based column of the first character the error points at. */
  column: number;
  /** Characters to mark, from the quoted token in `at or near "…"`, when there is one. */
  length?: number;
}

const LINE_BLOCK = /^LINE (\d+): (.*)\n( *)\^/m;
const NEAR_TOKEN = /at or near "((?:[^"]|"")*)"/;
const ELLIPSIS = '...';

export function sqlErrorPosition(message: string, sql: string): SqlErrorPosition | undefined {
  const near = NEAR_TOKEN.exec(message)?.[1];
  const length = near ? near.length : undefined;
  const block = LINE_BLOCK.exec(message);
  const lines = sql.split('\n');
  if (!block) {
    if (!/at end of input/.test(message)) return undefined;
    const last = lines.length;
    return { line: last, column: lines[last - 1].length + 1 };
  }
  const line = Number(block[1]);
  const shown = block[2];
  const prefix = `LINE ${block[1]}: `.length;
  const caret = block[3].length - prefix; // column (0-based) within the shown text
  if (line < 1 || line > lines.length || caret < 0) return undefined;
  const text = lines[line - 1];
  let start = 0;
  if (shown.startsWith(ELLIPSIS)) {
    // The window may also end in "..."; search for its body in the real line.
    const body = shown.slice(ELLIPSIS.length).replace(/\.\.\.$/, '');
    const found = text.indexOf(body);
    if (found < 0) return undefined;
    start = found - ELLIPSIS.length;
  }
  const column = Math.min(start + caret, text.length) + 1;
  return length === undefined ? { line, column } : { line, column, length };
}

/** The message without the LINE/caret block, for a one-line status or a hover. */
export function sqlErrorSummary(message: string): string {
  return message.replace(/\n*LINE \d+: .*\n *\^\s*$/, '').trim();
}
