/**
 * Versions named in SQL text: `events@3`, `events@2026-11-20T10:00:00Z`, `events@'2026-11-20 10:00:00'`,
 * `"events"@3`, `"events@tag:nightly"`, and of a catalog's tables by their qualified names,
 * `prod.db.events@3` or `"prod"."db"."events"@3`. Each becomes a view of its own, named by the reference
 * unquoted (`"events@3"`), so two versions of a table can be joined or diffed in one query. A reference
 * is rewritten to the quoted view name; DuckDB would read `@` as an operator. The text is read by the
 * tokenizer of references.ts (strings and comments are left alone). Pure: the API registers the views.
 */
import { LakebenchError } from '../errors';
import { quoteIdent } from '../sql-text';
import { isTimestampText, isVersionText, parseAsOf } from '../formats/version-ref';
import { identifierChains } from './references';

export interface SqlVersionRef {
  /** The view's name: the reference unquoted (`events@3`, `prod.db.events@3`). */
  view: string;
  /** The table's name: a view's, or a catalog table's qualified name. */
  table: string;
  version?: string;
  asOf?: string;
}

/** The ref `table@text` names, or undefined when `text` is no version. */
function refOf(table: string, text: string): SqlVersionRef | undefined {
  const view = `${table}@${text}`;
  if (isTimestampText(text)) return { view, table, asOf: parseAsOf(text) };
  if (isVersionText(text)) return { view, table, version: text };
  return undefined;
}

/** The SQL with versioned references quoted as their views' names, and every such reference (once per view). */
export function versionsInSql(sql: string): { sql: string; refs: SqlVersionRef[] } {
  const refs = new Map<string, SqlVersionRef>();
  let rewritten = '';
  let copied = 0;
  for (const chain of identifierChains(sql)) {
    const table = chain.parts.join('.');
    if (chain.version !== undefined) {
      const ref = refOf(table, chain.version);
      // Only a quoted version can be anything: a bare one is read only when it looks like a version.
      if (!ref) throw new LakebenchError('USAGE', `${table}@'${chain.version}': not a version (an id, tag:<name>, branch:<name> or an ISO time)`, { object: table });
      refs.set(ref.view, ref);
      rewritten += sql.slice(copied, chain.start) + quoteIdent(ref.view);
      copied = chain.end;
    } else if (chain.parts.length === 1) {
      // `"events@3"`: the view's own name, quoted already.
      const name = chain.parts[0]!;
      const at = name.indexOf('@');
      const ref = at > 0 ? refOf(name.slice(0, at), name.slice(at + 1)) : undefined;
      if (ref) refs.set(ref.view, ref);
    }
  }
  return { sql: rewritten + sql.slice(copied), refs: [...refs.values()] };
}
