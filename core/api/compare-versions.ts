/**
 * What changed in a table between two versions: rows added and removed (a multiset difference
 * over the columns both versions have, computed by DuckDB), files added and removed, schema changes.
 */
import { requireView } from '../formats/capabilities';
import { quoteIdent } from '../sql-text';
import type { LakebenchApi } from './api';
import type { SchemaField } from './types';
import type { CompareVersionsArgs, CompareVersionsResult, SchemaChange } from './workbench';

export async function compareVersions(api: LakebenchApi, args: CompareVersionsArgs): Promise<CompareVersionsResult> {
  const { from, to, ...where } = args;
  const table = await api.openTable(where);
  requireView(table.format, 'compare', table.store.url);
  const [schemaFrom, schemaTo, filesFrom, filesTo] = await Promise.all([
    api.schema({ ...where, version: from }),
    api.schema({ ...where, version: to }),
    api.files({ ...where, version: from }),
    api.files({ ...where, version: to }),
  ]);
  const pathsFrom = new Set(filesFrom.files.map((f) => f.path));
  const pathsTo = new Set(filesTo.files.map((f) => f.path));
  const toNames = new Set(schemaTo.fields.map((f) => f.name));
  const common = schemaFrom.fields.filter((f) => toNames.has(f.name)).map((f) => quoteIdent(f.name));

  const session = await api.openSqlSession({
    tables: [
      { ...where, name: 'version_from', version: from },
      { ...where, name: 'version_to', version: to },
    ],
  });
  try {
    const columns = common.length ? common.join(', ') : '1';
    const { rows } = await session.query(
      `SELECT (SELECT count(*) FROM version_from)::BIGINT AS rows_from,
              (SELECT count(*) FROM version_to)::BIGINT AS rows_to,
              (SELECT count(*) FROM (SELECT ${columns} FROM version_to EXCEPT ALL SELECT ${columns} FROM version_from))::BIGINT AS added,
              (SELECT count(*) FROM (SELECT ${columns} FROM version_from EXCEPT ALL SELECT ${columns} FROM version_to))::BIGINT AS removed`,
    );
    const counts = rows[0];
    return {
      location: schemaTo.location,
      from: schemaFrom.version ?? from,
      to: schemaTo.version ?? to,
      rowsFrom: Number(counts.rows_from),
      rowsTo: Number(counts.rows_to),
      rowsAdded: Number(counts.added),
      rowsRemoved: Number(counts.removed),
      filesAdded: [...pathsTo].filter((p) => !pathsFrom.has(p)).length,
      filesRemoved: [...pathsFrom].filter((p) => !pathsTo.has(p)).length,
      schemaChanges: schemaChanges(schemaFrom.fields, schemaTo.fields),
    };
  } finally {
    session.close();
  }
}

export function schemaChanges(before: SchemaField[], after: SchemaField[]): SchemaChange[] {
  const old = new Map(before.map((f) => [f.name, f]));
  const now = new Map(after.map((f) => [f.name, f]));
  const changes: SchemaChange[] = [];
  for (const field of before) if (!now.has(field.name)) changes.push({ column: field.name, change: 'removed', before: field });
  for (const field of after) {
    const previous = old.get(field.name);
    if (!previous) changes.push({ column: field.name, change: 'added', after: field });
    else if (JSON.stringify(previous.type) !== JSON.stringify(field.type)) {
      changes.push({ column: field.name, change: 'type-changed', before: previous, after: field });
    } else if (previous.nullable !== field.nullable) {
      changes.push({ column: field.name, change: 'nullability-changed', before: previous, after: field });
    }
  }
  return changes;
}
