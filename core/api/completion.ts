/**
 * SQL completion for the editor: DuckDB's own `sql_auto_complete` for keywords and functions, plus the
 * workspace's table (view) names and their columns, which DuckDB cannot know without registering them.
 */
import { quoteLiteral } from '../sql-text';
import type { SqlSession } from '../sql/session';
import { CHAIN_PATTERN, chainParts } from '../sql/references';
import type { CompleteResult, Completion } from './workbench';

/** A table as completion lists its versions: where it is, through which connection. */
export interface VersionedTable {
  location: string;
  connectionId?: string;
}

/** View name → the table and its columns. */
export type TableColumns = Map<string, VersionedTable & { columns: string[] }>;

const MAX_ITEMS = 200;

/** The identifier (possibly `table.col`) ending at the cursor. */
export function wordAt(sql: string, cursor: number): { from: number; word: string } {
  let from = Math.max(0, Math.min(cursor, sql.length));
  const end = from;
  while (from > 0 && /[A-Za-z0-9_.]/.test(sql[from - 1])) from--;
  return { from, word: sql.slice(from, end) };
}

/** A table's versions as SQL names them after `@` (newest first), for `orders@|`. */
export type VersionsOf = (table: VersionedTable) => Promise<string[]>;

/**
 * `orders@1|` (or a catalog table's `prod.db.events@1|`, `"events"@1|`) before the cursor: the table's
 * name, read as references.ts reads it in a query, and the version typed so far.
 */
const VERSIONED = new RegExp(String.raw`(${CHAIN_PATTERN})@([\w:.+-]*)$`);

export async function complete(session: SqlSession, tables: TableColumns, sql: string, cursor: number, versionsOf?: VersionsOf): Promise<CompleteResult> {
  const versioned = VERSIONED.exec(sql.slice(0, cursor));
  const name = versioned && chainParts(versioned[1]!).join('.');
  // A table the workspace or a binding names, through its own connection; a qualified name is a catalog table's, opened by that name.
  const known = name ? tables.get(name.toLowerCase()) : undefined;
  const table: VersionedTable | undefined = known ? { location: known.location, connectionId: known.connectionId } : name?.includes('.') ? { location: name } : undefined;
  if (versioned && table && versionsOf) {
    // `orders@|`: the versions of that table (versions-in-sql.ts makes `orders@3` a view), replacing what follows the @.
    const typed = versioned[2]!;
    // A table without a log (or one that cannot be read now) has no versions to offer.
    const items = (await versionsOf(table).catch((): string[] => []))
      .filter((v) => v.startsWith(typed))
      .slice(0, MAX_ITEMS)
      .map((v): Completion => ({ text: v, kind: 'other', detail: `${name} at version ${v}` }));
    return { from: cursor - typed.length, items };
  }
  const { from, word } = wordAt(sql, cursor);
  const dot = word.lastIndexOf('.');
  if (dot >= 0) {
    // `orders.am|`: the columns of that table, replacing only what follows the dot.
    const table = tables.get(word.slice(0, dot).toLowerCase());
    const prefix = word.slice(dot + 1).toLowerCase();
    const items = (table?.columns ?? [])
      .filter((c) => c.toLowerCase().startsWith(prefix))
      .map((c): Completion => ({ text: c, kind: 'column', detail: word.slice(0, dot) }));
    return { from: from + dot + 1, items };
  }
  const prefix = word.toLowerCase();
  const items: Completion[] = [];
  for (const [name, table] of tables) {
    if (name.startsWith(prefix)) items.push({ text: name, kind: 'table', detail: table.location });
  }
  for (const [name, table] of tables) {
    for (const column of table.columns) {
      if (column.toLowerCase().startsWith(prefix)) items.push({ text: column, kind: 'column', detail: name });
    }
  }
  const { rows } = await session.query(
    `SELECT suggestion, suggestion_type FROM sql_auto_complete(${quoteLiteral(sql.slice(0, cursor))}) LIMIT ${MAX_ITEMS}`,
  );
  const seen = new Set(items.map((i) => i.text.toLowerCase()));
  for (const row of rows) {
    const text = String(row.suggestion).trimEnd();
    if (!text.toLowerCase().startsWith(prefix) || seen.has(text.toLowerCase())) continue;
    seen.add(text.toLowerCase());
    const type = String(row.suggestion_type);
    items.push({ text, kind: type === 'keyword' ? 'keyword' : type === 'function' ? 'function' : 'other' });
  }
  return { from, items: dedupe(items).slice(0, MAX_ITEMS) };
}

function dedupe(items: Completion[]): Completion[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.kind}:${i.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
