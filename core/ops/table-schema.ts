/**
 * Fits the columns of an import's input to the table's schema: creates the schema for a new table,
 * adds new input columns to an existing one ("an added column"), refuses a type the table's column
 * cannot hold (BAD_INPUT naming the column), and builds the projection that casts input rows to
 * the table's types. Column names match case-insensitively, as Delta's do.
 */
import type { DeltaType, StructField, StructType } from '../formats/delta/actions';
import { deltaTypeToDuckDB, duckdbTypeToDelta } from '../formats/delta/schema';
import { LakebenchError } from '../errors';
import type { ColumnType } from './scratch-db';
import { quoteIdent } from '../sql-text';

export interface SchemaFit {
  /** The table's schema after this import. */
  schema: StructType;
  /** Names of columns this import adds to an existing table. */
  addedColumns: string[];
  /** Every table column with its DuckDB type, in schema order. */
  columns: ColumnType[];
  /** SELECT list over the input table giving every table column, cast to the table's type. */
  projection: string;
}

/**
 * DuckDB's types for input columns of no one type: only nulls (`"NULL"`), or JSON values read_json
 * could not type (all `null`, or mixed). They fit any existing column (DuckDB casts, or names the
 * value it cannot cast); a new column of them is a string.
 */
const UNTYPED = new Set(['"NULL"', 'JSON']);

export function fitSchema(input: ColumnType[], table: StructType | undefined, object: string): SchemaFit {
  const fields: StructField[] = table ? [...table.fields] : [];
  const addedColumns: string[] = [];
  const inputByField = new Map<string, ColumnType>();
  for (const column of input) {
    const field = fields.find((f) => f.name.toLowerCase() === column.name.toLowerCase());
    if (field) {
      checkFits(column, field, object);
    } else {
      fields.push({ name: column.name, type: inputDeltaType(column, object), nullable: true, metadata: {} });
      if (table) addedColumns.push(column.name);
    }
    inputByField.set((field ?? fields.at(-1)!).name, column);
  }
  const columns = fields.map((f) => ({ name: f.name, type: deltaTypeToDuckDB(f.type) }));
  const projection = columns
    .map(({ name, type }) => {
      const source = inputByField.get(name);
      return `${source ? `CAST(${quoteIdent(source.name)} AS ${type})` : `CAST(NULL AS ${type})`} AS ${quoteIdent(name)}`;
    })
    .join(', ');
  return { schema: { type: 'struct', fields }, addedColumns, columns, projection };
}

/** The table's spelling of the requested partition columns; for an existing table they must match its own. */
export function fitPartitionColumns(
  requested: string[] | undefined,
  schema: StructType,
  existing: string[] | undefined,
  object: string,
): string[] {
  const names = (requested ?? []).map((name) => {
    const field = schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!field) throw new LakebenchError('USAGE', `partition column "${name}" is not a column of the input`, { object });
    return field.name;
  });
  if (existing === undefined) return names;
  if (requested !== undefined && names.join('\0') !== existing.join('\0')) {
    throw new LakebenchError(
      'USAGE',
      `table is partitioned by [${existing.join(', ')}], not [${names.join(', ')}]`,
      { object },
    );
  }
  return existing;
}

/**
 * The Delta type for an input column. Zone-less timestamps become `timestamp` read as UTC (the
 * scratch database runs in UTC): tables are created as reader 1 / writer 2, where `timestamp_ntz`
 * (a reader 3 / writer 7 feature) may not appear.
 */
function inputDeltaType(column: ColumnType, object: string): DeltaType {
  if (UNTYPED.has(column.type)) return 'string';
  try {
    const type = duckdbTypeToDelta(column.type);
    return type === 'timestamp_ntz' ? 'timestamp' : type;
  } catch (e) {
    throw new LakebenchError('BAD_INPUT', `column "${column.name}" has type ${column.type}, which a Delta table cannot hold`, {
      object,
      cause: e,
    });
  }
}

function checkFits(column: ColumnType, field: StructField, object: string): void {
  if (UNTYPED.has(column.type) || (column.type === 'TIMESTAMP' && field.type === 'timestamp_ntz')) return;
  const from = inputDeltaType(column, object);
  if (JSON.stringify(from) === JSON.stringify(field.type) || widens(from, field.type)) return;
  throw new LakebenchError(
    'BAD_INPUT',
    `column "${field.name}" is ${JSON.stringify(field.type)} in the table but ${column.type} in the input`,
    { object },
  );
}

const INTEGRAL = ['byte', 'short', 'integer', 'long'];

/** Input types that convert to the table's type without losing values. */
function widens(from: DeltaType, to: DeltaType): boolean {
  if (typeof from !== 'string' || typeof to !== 'string') return false;
  if (to === 'string') return true; // e.g. digits-only codes sniffed as numbers
  if (INTEGRAL.includes(from)) {
    return (INTEGRAL.includes(to) && INTEGRAL.indexOf(to) > INTEGRAL.indexOf(from)) || /^(float|double|decimal)/.test(to);
  }
  if (from === 'float' || from.startsWith('decimal')) return to === 'double';
  if (from === 'date') return to === 'timestamp' || to === 'timestamp_ntz';
  return false;
}
