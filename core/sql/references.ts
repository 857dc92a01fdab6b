/**
 * Which of some table names a SQL text may refer to. A deliberate over-approximation: any identifier
 * token (bare or double-quoted, case-insensitive) outside string literals and comments counts. DuckDB's
 * own getTableNames misses names inside CREATE VIEW and after the first statement, and a missed
 * remote table would mean reading files that were never fetched; an extra match only costs a fetch.
 */
const TOKEN = /'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\/|"((?:[^"]|"")*)"|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)/g;

export function referencedNames(sql: string, names: Iterable<string>): string[] {
  const tokens = new Set<string>();
  for (const match of sql.matchAll(TOKEN)) {
    const quoted = match[1];
    const bare = match[2];
    if (quoted !== undefined) tokens.add(quoted.replaceAll('""', '"').toLowerCase());
    else if (bare !== undefined) tokens.add(bare.toLowerCase());
  }
  return [...names].filter((name) => tokens.has(name.toLowerCase()));
}
