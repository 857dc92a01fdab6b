/**
 * The one tokenizer of SQL text for table names: strings and comments skipped, chains of identifiers
 * joined by dots (bare or double-quoted), each with the version it names when `@<version>` follows
 * (`events@3`, `"prod"."db"."events"@2026-11-20T10:00:00Z`, `events@'2026-11-20 10:00:00'`).
 *
 * `referencedNames` tells which of some table names a SQL text may refer to. A deliberate
 * over-approximation: a one-part name counts when any identifier (case-insensitive) outside string
 * literals and comments is that name; a qualified one (`catalog.schema.table`) when its parts appear in
 * that order joined by dots. DuckDB's own getTableNames misses names inside CREATE VIEW and after the
 * first statement, and a missed remote table would mean reading files that were never fetched; an extra
 * match only costs a fetch.
 */
import { nameParts, type SqlName } from '../sql-text';

const IDENT = String.raw`"(?:[^"]|"")*"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*`;
/** A chain of identifiers joined by dots, as written. */
export const CHAIN_PATTERN = String.raw`(?:${IDENT})(?:\s*\.\s*(?:${IDENT}))*`;
// What may follow `@` unquoted: an id, a tag:/branch: name, or an ISO time (what version-ref.ts reads).
const BARE_VERSION = String.raw`\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?|\d+|(?:tag|branch):[\w.-]+`;
/** Strings and comments (skipped), or a chain with the version after its `@` (quoted, or bare). */
const TOKEN = new RegExp(String.raw`'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\/|(${CHAIN_PATTERN})(?:@(?:'((?:[^']|'')*)'|(${BARE_VERSION})))?`, 'g');
const PART = new RegExp(IDENT, 'g');

const unquote = (part: string): string => (part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part);

/** A chain of identifiers in SQL text, where it is and the version it names if any. */
export interface IdentifierChain {
  /** Each part unquoted (as written otherwise). */
  parts: string[];
  /** Where the chain (with its `@version`) starts and ends in the text. */
  start: number;
  end: number;
  /** The text after `@`, unquoted (`3`, `2026-11-20 10:00:00`). */
  version?: string;
}

/** The parts of a chain as written (`"prod".db."events"` → prod, db, events). */
export function chainParts(chain: string): string[] {
  return [...chain.matchAll(PART)].map((m) => unquote(m[0]));
}

/** Every dotted chain of identifiers in the text, outside strings and comments. */
export function identifierChains(sql: string): IdentifierChain[] {
  const chains: IdentifierChain[] = [];
  for (const match of sql.matchAll(TOKEN)) {
    const [token, chain, quotedVersion, bareVersion] = match;
    if (chain === undefined) continue;
    const version = quotedVersion !== undefined ? quotedVersion.replaceAll("''", "'") : bareVersion;
    chains.push({ parts: chainParts(chain), start: match.index, end: match.index + token.length, ...(version !== undefined && { version }) });
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
    return chains.some((chain) => runsThrough(chain.parts, parts));
  });
}

/**
 * `catalog.schema.table` references to any of `catalogs` (names matched case-insensitively), each
 * once, with schema and table as written: a catalog's own names may be case-sensitive.
 */
export function catalogReferences(sql: string, catalogs: Iterable<string>): [string, string, string][] {
  const names = [...catalogs];
  const found = new Map<string, [string, string, string]>();
  for (const { parts: chain } of identifierChains(sql)) {
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
