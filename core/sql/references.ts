/**
 * Which of some table names a SQL text may refer to. A deliberate over-approximation: a one-part name
 * counts when any identifier (bare or double-quoted, case-insensitive) outside string literals and
 * comments is that name; a qualified one (`catalog.schema.table`) when its parts appear in that order
 * joined by dots. DuckDB's own getTableNames misses names inside CREATE VIEW and after the first
 * statement, and a missed remote table would mean reading files that were never fetched; an extra
 * match only costs a fetch.
 */
import { nameParts, type SqlName } from '../sql-text';

const IDENT = String.raw`"(?:[^"]|"")*"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*`;
/** Strings and comments (skipped), or a chain of identifiers joined by dots. */
const TOKEN = new RegExp(String.raw`'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\/|((?:${IDENT})(?:\s*\.\s*(?:${IDENT}))*)`, 'g');
const PART = new RegExp(IDENT, 'g');

const unquote = (part: string): string => (part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part);

/** Every dotted chain of identifiers in the text, each part unquoted (as written otherwise). */
export function identifierChains(sql: string): string[][] {
  const chains: string[][] = [];
  for (const match of sql.matchAll(TOKEN)) {
    if (match[1] !== undefined) chains.push([...match[1].matchAll(PART)].map((m) => unquote(m[0])));
  }
  return chains;
}

/** True when `parts` (lower-case) run in order through the chain, case-insensitively. */
function runsThrough(chain: readonly string[], parts: readonly string[]): boolean {
  for (let i = 0; i + parts.length <= chain.length; i++) if (parts.every((p, j) => chain[i + j]!.toLowerCase() === p)) return true;
  return false;
}

export function referencedNames<N extends SqlName>(sql: string, names: Iterable<N>): N[] {
  const chains = identifierChains(sql);
  return [...names].filter((name) => {
    const parts = nameParts(name).map((p) => p.toLowerCase());
    return chains.some((chain) => runsThrough(chain, parts));
  });
}

/**
 * `catalog.schema.table` references to any of `catalogs` (names matched case-insensitively), each
 * once, with schema and table as written: a catalog's own names may be case-sensitive.
 */
export function catalogReferences(sql: string, catalogs: Iterable<string>): [string, string, string][] {
  const names = [...catalogs];
  const found = new Map<string, [string, string, string]>();
  for (const chain of identifierChains(sql)) {
    for (let i = 0; i + 3 <= chain.length; i++) {
      const catalog = names.find((name) => name.toLowerCase() === chain[i]!.toLowerCase());
      if (catalog === undefined) continue;
      const ref: [string, string, string] = [catalog, chain[i + 1]!, chain[i + 2]!];
      const key = ref.map((p) => p.toLowerCase()).join('\u001f');
      if (!found.has(key)) found.set(key, ref);
    }
  }
  return [...found.values()];
}
