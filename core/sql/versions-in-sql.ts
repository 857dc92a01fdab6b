/**
 * Versions named in SQL text: `events@3`, `events@2026-11-20T10:00:00Z`, `"events@tag:nightly"`, and of
 * a catalog's tables by their qualified names, `prod.db.events@3`. Each
 * becomes a view of its own, named by that text (`"events@3"`), so two versions of a table can be joined
 * or diffed in one query. A bare reference is rewritten to the quoted view name; DuckDB would read `@` as
 * an operator. Strings and comments are left alone. Pure: the API registers the views.
 */
import { quoteIdent } from '../sql-text';
import { isTimestampText, isVersionText, parseAsOf } from '../formats/version-ref';

export interface SqlVersionRef {
  /** The view's name: the reference as written, unquoted (`events@3`, `prod.db.events@3`). */
  view: string;
  /** The table's name as written: a view's, or a catalog table's qualified name. */
  table: string;
  version?: string;
  asOf?: string;
}

/** A table's name, or a catalog table's qualified one (`prod.db.events`). */
export const TABLE_NAME_PATTERN = String.raw`[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*`;
// The version after `@`: an id, tag:/branch: name, or an ISO time (what version-ref.ts reads).
const BARE_VERSION = String.raw`\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?|\d+|(?:tag|branch):[\w.-]+`;
/** Strings and comments (kept), quoted identifiers, or a bare `name@version`. */
const TOKEN = new RegExp(String.raw`'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\/|"((?:[^"]|"")*)"|\b(${TABLE_NAME_PATTERN})@(${BARE_VERSION})`, 'g');

function refOf(table: string, text: string): SqlVersionRef | undefined {
  const view = `${table}@${text}`;
  if (isTimestampText(text)) return { view, table, asOf: parseAsOf(text) };
  if (isVersionText(text)) return { view, table, version: text };
  return undefined;
}

/** The SQL with bare references quoted, and every versioned reference in it (once per view). */
export function versionsInSql(sql: string): { sql: string; refs: SqlVersionRef[] } {
  const refs = new Map<string, SqlVersionRef>();
  const rewritten = sql.replace(TOKEN, (token, quoted: string | undefined, table: string | undefined, version: string | undefined) => {
    if (table !== undefined && version !== undefined) {
      const ref = refOf(table, version);
      if (!ref) return token;
      refs.set(ref.view, ref);
      return quoteIdent(ref.view);
    }
    if (quoted !== undefined) {
      const at = quoted.replaceAll('""', '"').indexOf('@');
      const inner = quoted.replaceAll('""', '"');
      const ref = at > 0 ? refOf(inner.slice(0, at), inner.slice(at + 1)) : undefined;
      if (ref) refs.set(ref.view, ref);
    }
    return token;
  });
  return { sql: rewritten, refs: [...refs.values()] };
}
