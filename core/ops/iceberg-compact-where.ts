/**
 * `compact --where` on an Iceberg table (Spark's rewrite_data_files `where`): the data files that might
 * hold a row matching the predicate, decided by the scan planner from partition tuples and column
 * bounds (formats/iceberg/expression.ts) without reading any row. A file that might match is compacted
 * whole, as Spark does. A predicate that names no column of the table, does not parse, or has no part
 * the planner can skip files by is refused by name rather than compacting the whole table.
 */
import { LakebenchError } from '../errors';
import type { IcebergSnapshot } from '../formats/iceberg/metadata';
import { duckdbType } from '../formats/iceberg/schema';
import type { IcebergTable } from '../formats/iceberg/table';
import { icebergFilter } from '../sql/iceberg-filter';
import { quoteIdent } from '../sql-text';
import { predicateColumns, runPredicateQuery } from './partition-predicate';
import { withScratchDb } from './scratch-db';

const TABLE = 'lb_where_columns';

/** Recorded paths of the live data files of `snapshot` that might hold a row matching `where`. */
export async function filesMightMatch(table: IcebergTable, snapshot: IcebergSnapshot, where: string, signal?: AbortSignal): Promise<ReadonlySet<string>> {
  const usage = (message: string, cause?: unknown) => new LakebenchError('USAGE', `--where ${JSON.stringify(where)}: ${message}`, { object: table.url, cause });
  const schema = table.schemaFor(snapshot);
  return withScratchDb('compact-where', signal, async (db) => {
    let names: string[];
    try {
      names = await predicateColumns(db, where);
    } catch (e) {
      throw usage(`not a valid predicate: ${(e as Error).message}`, e);
    }
    const unknown = names.find((name) => !schema.fields.some((f) => f.name.toLowerCase() === name.toLowerCase()));
    if (unknown !== undefined) throw usage(`"${unknown}" is not a column of the table (${schema.fields.map((f) => f.name).join(', ')})`);
    // One row of nulls in the schema's columns: the predicate is bound and its constants cast (a literal
    // that is no value of its column's type fails here) before it is planned with.
    const columns = schema.fields.map((f) => `CAST(NULL AS ${duckdbType(f.type, f.name, table.url)}) AS ${quoteIdent(f.name)}`);
    await db.connection.run(`CREATE TABLE ${TABLE} AS SELECT ${columns.join(', ')}`);
    const select = `SELECT * FROM ${TABLE} WHERE (${where})`;
    try {
      await runPredicateQuery(db, select);
    } catch (e) {
      throw usage(`cannot be evaluated: ${(e as Error).message}`, e);
    }
    const filter = await icebergFilter(db.connection, select, TABLE, schema);
    if (!filter) {
      throw usage('no part of it compares a column with constants (=, <, <=, >, >=, BETWEEN, IN, IS [NOT] NULL), so no file could be left out by its partition or column bounds');
    }
    const plan = await table.planScan(snapshot, filter.predicate);
    return new Set(plan.tasks.map((task) => task.file.path));
  });
}
