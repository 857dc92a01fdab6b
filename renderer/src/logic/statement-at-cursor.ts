/**
 * The SQL statement under the cursor: scripts hold several statements separated by `;`, and Run
 * executes the one the cursor is in. Semicolons inside quotes, quoted identifiers and comments do not
 * split statements. Hand-written because it is a small lexer over four token kinds; a full SQL parser
 * would be far larger than the problem.
 */
export interface StatementRange {
  /** Offsets into the text: `text.slice(start, end)` is the statement, trimmed of blank space. */
  start: number;
  end: number;
  sql: string;
}

/** Offsets of the `;` that end statements (outside strings, identifiers and comments). */
export function statementSeparators(text: string): number[] {
  const separators: number[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "'" || c === '"') {
      i = skipQuoted(text, i, c);
    } else if (c === '-' && next === '-') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol + 1;
    } else if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else {
      if (c === ';') separators.push(i);
      i++;
    }
  }
  return separators;
}

/** Past the closing quote; a doubled quote is an escaped one. */
function skipQuoted(text: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}

/**
 * The statement containing `offset`. A cursor right after a `;` (or in blank space after it) belongs to
 * the statement before, as users expect after typing `select 1;`.
 */
export function statementAt(text: string, offset: number): StatementRange | undefined {
  const bounds = [-1, ...statementSeparators(text), text.length];
  const ranges: StatementRange[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const range = trimmed(text, bounds[k] + 1, bounds[k + 1]);
    if (range) ranges.push(range);
  }
  if (ranges.length === 0) return undefined;
  return ranges.find((r) => offset >= r.start && offset <= r.end) ?? [...ranges].reverse().find((r) => r.end <= offset) ?? ranges[0];
}

function trimmed(text: string, from: number, to: number): StatementRange | undefined {
  const raw = text.slice(from, to);
  const lead = raw.length - raw.trimStart().length;
  const sql = raw.trim();
  if (!sql || isOnlyComments(sql)) return undefined;
  const start = from + lead;
  return { start, end: start + sql.length, sql };
}

function isOnlyComments(sql: string): boolean {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').trim() === '';
}
