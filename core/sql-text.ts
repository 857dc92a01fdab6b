/** Quoting for SQL text handed to DuckDB: identifiers and string literals built from table metadata and paths. */

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL list literal of strings, e.g. the file list of read_parquet([...]). */
export function quoteLiteralList(values: readonly string[]): string {
  return `[${values.map(quoteLiteral).join(', ')}]`;
}

/** A name in SQL text: one identifier, or the parts of a qualified one (`catalog.schema.table`). */
export type SqlName = string | readonly string[];

export function nameParts(name: SqlName): readonly string[] {
  return typeof name === 'string' ? [name] : name;
}

/** The name quoted part by part: `"prod"."db"."events"`. */
export function quoteName(name: SqlName): string {
  return nameParts(name).map(quoteIdent).join('.');
}
