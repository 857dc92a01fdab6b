/**
 * The WHERE of a query over one Iceberg table as a scan filter (formats/iceberg/expression.ts), so scan
 * planning can skip manifests and files before anything is fetched. Like prune.ts for Delta: DuckDB
 * parses the query (json_serialize_sql); only a plain SELECT over the one table is considered, and only
 * top-level conjuncts that are comparisons (=, <, <=, >, >=, BETWEEN, IN, IS [NOT] NULL, AND/OR of them)
 * between a column of the table and constant expressions. Anything else is left out, which only means
 * fewer files are skipped: a conjunct dropped from an AND never wrongly excludes a file.
 *
 * Constants are evaluated by DuckDB in the session (so '2024-01-01' against a timestamptz column means
 * what the query means) and converted to Iceberg's internal form. A constant that does not convert
 * exactly (1.5 against an int column) leaves its conjunct out.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LeafPredicate, Predicate } from '../formats/iceberg/expression';
import { decimalOf, duckdbType, fixedLengthOf, type IcebergType, type Schema } from '../formats/iceberg/schema';
import type { IcebergValue } from '../formats/iceberg/values';
import type { SqlName } from '../sql-text';
import { conjunctsOf, deserialize, isNode, serialize, singleTable, UNPRUNABLE_CLASSES, VOLATILE_FUNCTIONS, type AstNode } from './prune';

export interface IcebergFilter {
  predicate: Predicate;
  /** The parsed statement, whose FROM the caller may point at a pruned view. */
  statement: AstNode;
  from: AstNode;
}

const COMPARISONS: Record<string, { op: 'eq' | 'lt' | 'lte' | 'gt' | 'gte'; flipped: 'eq' | 'lt' | 'lte' | 'gt' | 'gte' }> = {
  COMPARE_EQUAL: { op: 'eq', flipped: 'eq' },
  COMPARE_LESSTHAN: { op: 'lt', flipped: 'gt' },
  COMPARE_LESSTHANOREQUALTO: { op: 'lte', flipped: 'gte' },
  COMPARE_GREATERTHAN: { op: 'gt', flipped: 'lt' },
  COMPARE_GREATERTHANOREQUALTO: { op: 'gte', flipped: 'lte' },
};

/** A leaf whose constants are still SQL expressions, converted in one DuckDB round trip. */
type PendingLeaf = { op: LeafPredicate['op']; fieldId: number; constants: AstNode[] };
type Pending = PendingLeaf | { op: 'and' | 'or'; children: Pending[] };

const isLeaf = (p: Pending): p is PendingLeaf => p.op !== 'and' && p.op !== 'or';

interface Context {
  columns: Map<string, { fieldId: number; type: IcebergType }>;
  qualifiers: Set<string>;
}

function columnOf(node: unknown, context: Context): { fieldId: number; type: IcebergType } | undefined {
  if (!isNode(node) || node.class !== 'COLUMN_REF') return undefined;
  const names = node.column_names as string[];
  if (names.length > 2 || (names.length === 2 && !context.qualifiers.has(names[0]!.toLowerCase()))) return undefined;
  return context.columns.get(names[names.length - 1]!.toLowerCase());
}

/** True when the expression names no column and nothing in it varies per row or per call. */
function isConstant(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(isConstant);
  if (!isNode(node)) return true;
  if (node.class === 'COLUMN_REF' || (typeof node.class === 'string' && UNPRUNABLE_CLASSES.has(node.class))) return false;
  if (node.class === 'FUNCTION' && VOLATILE_FUNCTIONS.has(String(node.function_name).toLowerCase())) return false;
  return Object.values(node).every(isConstant);
}

function toPending(node: AstNode, context: Context): Pending | undefined {
  if (node.type === 'CONJUNCTION_AND' || node.type === 'CONJUNCTION_OR') {
    const children = (node.children as AstNode[]).map((c) => toPending(c, context));
    if (node.type === 'CONJUNCTION_OR' && children.some((c) => c === undefined)) return undefined;
    const known = children.filter((c): c is Pending => c !== undefined);
    return known.length === 0 ? undefined : { op: node.type === 'CONJUNCTION_AND' ? 'and' : 'or', children: known };
  }
  const comparison = COMPARISONS[String(node.type)];
  if (node.class === 'COMPARISON' && comparison) {
    const [left, right] = [node.left as AstNode, node.right as AstNode];
    const leftColumn = columnOf(left, context);
    if (leftColumn && isConstant(right)) return { op: comparison.op, fieldId: leftColumn.fieldId, constants: [right] };
    const rightColumn = columnOf(right, context);
    if (rightColumn && isConstant(left)) return { op: comparison.flipped, fieldId: rightColumn.fieldId, constants: [left] };
    return undefined;
  }
  if (node.type === 'COMPARE_BETWEEN') {
    const column = columnOf(node.input, context);
    if (!column || !isConstant(node.lower) || !isConstant(node.upper)) return undefined;
    return {
      op: 'and',
      children: [
        { op: 'gte', fieldId: column.fieldId, constants: [node.lower as AstNode] },
        { op: 'lte', fieldId: column.fieldId, constants: [node.upper as AstNode] },
      ],
    };
  }
  const children = node.children as AstNode[] | undefined;
  if (node.type === 'COMPARE_IN' && children) {
    const column = columnOf(children[0], context);
    const values = children.slice(1);
    return column && values.every(isConstant) ? { op: 'in', fieldId: column.fieldId, constants: values } : undefined;
  }
  if ((node.type === 'OPERATOR_IS_NULL' || node.type === 'OPERATOR_IS_NOT_NULL') && children?.length === 1) {
    const column = columnOf(children[0], context);
    return column ? { op: node.type === 'OPERATOR_IS_NULL' ? 'isNull' : 'notNull', fieldId: column.fieldId, constants: [] } : undefined;
  }
  return undefined;
}

function collectConstants(pending: Pending, out: { node: AstNode; fieldId: number }[]): void {
  if (isLeaf(pending)) for (const node of pending.constants) out.push({ node, fieldId: pending.fieldId });
  else pending.children.forEach((c) => collectConstants(c, out));
}

/**
 * SQL giving the internal form of `expr` cast to the column's type, as text, and whether the cast kept
 * the value exactly (the comparison DuckDB runs would then be the same).
 */
function internalFormSql(expr: string, type: IcebergType): string | undefined {
  const cast = (t: string) => `CAST((${expr}) AS ${t})`;
  if (typeof type !== 'string') return undefined;
  if (decimalOf(type)) return `${cast(duckdbType(type, ''))}::VARCHAR`;
  switch (type) {
    case 'int':
    case 'long':
      return `${cast('BIGINT')}::VARCHAR`;
    case 'date':
      return `(${cast('DATE')} - DATE '1970-01-01')::VARCHAR`;
    case 'time':
      return `((hour(${cast('TIME')}) * 60 + minute(${cast('TIME')})) * 60000000 + microsecond(${cast('TIME')}))::VARCHAR`;
    case 'timestamp':
      return `epoch_us(${cast('TIMESTAMP')})::VARCHAR`;
    case 'timestamptz':
      return `epoch_us(${cast('TIMESTAMPTZ')})::VARCHAR`;
    case 'timestamp_ns':
      return `epoch_ns(${cast('TIMESTAMP_NS')})::VARCHAR`;
    case 'string':
      return cast('VARCHAR');
    case 'boolean':
      return `${cast('BOOLEAN')}::VARCHAR`;
    case 'uuid':
      return `${cast('UUID')}::VARCHAR`;
    case 'binary':
      return `hex(${cast('BLOB')})`;
    default:
      return fixedLengthOf(type) !== undefined ? `hex(${cast('BLOB')})` : undefined;
  }
}

/** Literal types that compare with a column of the given type the way the converted value does. */
function literalFits(type: IcebergType, literalType: string): boolean {
  if (literalType === 'VARCHAR' || literalType === 'STRING_LITERAL') return true;
  if (type === 'string') return false;
  if (type === 'uuid') return literalType === 'UUID';
  if (type === 'binary' || fixedLengthOf(type as string) !== undefined) return literalType === 'BLOB';
  return true;
}

function fromText(text: string, type: IcebergType): IcebergValue {
  const decimal = decimalOf(type);
  if (decimal) {
    const negative = text.startsWith('-');
    const [whole, fraction = ''] = text.replace('-', '').split('.');
    const unscaled = BigInt(`${whole}${fraction.padEnd(decimal.scale, '0')}`);
    return negative ? -unscaled : unscaled;
  }
  if (type === 'string') return text;
  if (type === 'boolean') return text === 'true';
  if (type === 'uuid') return Buffer.from(text.replaceAll('-', ''), 'hex');
  if (type === 'binary' || fixedLengthOf(type as string) !== undefined) return Buffer.from(text, 'hex');
  return BigInt(text);
}

function resolve(pending: Pending, values: Map<AstNode, IcebergValue>): Predicate | undefined {
  if (!isLeaf(pending)) {
    const children = pending.children.map((c) => resolve(c, values));
    if (pending.op === 'or' && children.some((c) => c === undefined)) return undefined;
    const known = children.filter((c): c is Predicate => c !== undefined);
    return known.length === 0 ? undefined : known.length === 1 ? known[0] : { op: pending.op, children: known };
  }
  if (pending.op === 'isNull' || pending.op === 'notNull') return { op: pending.op, fieldId: pending.fieldId };
  const converted = pending.constants.map((node) => values.get(node));
  if (converted.some((v) => v === undefined)) return undefined;
  if (pending.op === 'in') return { op: 'in', fieldId: pending.fieldId, values: converted as IcebergValue[] };
  return { op: pending.op, fieldId: pending.fieldId, value: converted[0]! } as LeafPredicate;
}

/**
 * The scan filter of `sql` over the table registered as `tableName` with `schema` (the columns at the
 * snapshot read), or undefined when the query's shape gives none.
 */
export async function icebergFilter(connection: DuckDBConnection, sql: string, tableName: SqlName, schema: Schema): Promise<IcebergFilter | undefined> {
  if (!/\bwhere\b/i.test(sql)) return undefined;
  const statement = await serialize(connection, sql);
  const from = statement && singleTable(statement, tableName);
  const where = (statement?.node as AstNode | undefined)?.where_clause;
  if (!statement || !from || !isNode(where)) return undefined;

  const context: Context = {
    columns: new Map(schema.fields.map((f) => [f.name.toLowerCase(), { fieldId: f.id, type: f.type }])),
    qualifiers: new Set([String(from.table_name).toLowerCase(), String(from.alias ?? '').toLowerCase()].filter(Boolean)),
  };
  const pending = conjunctsOf(where)
    .map((c) => toPending(c, context))
    .filter((p): p is Pending => p !== undefined);
  if (pending.length === 0) return undefined;
  const root: Pending = pending.length === 1 ? pending[0]! : { op: 'and', children: pending };

  const constants: { node: AstNode; fieldId: number }[] = [];
  collectConstants(root, constants);
  const typeOf = new Map(schema.fields.map((f) => [f.id, f.type]));
  const values = new Map<AstNode, IcebergValue>();
  if (constants.length > 0) {
    const template = await serialize(connection, 'SELECT 1');
    if (!template) return undefined;
    // The constants as the columns c0, c1 … of a subquery, so each is referred to by name below.
    (template.node as AstNode).select_list = constants.map(({ node }, i) => ({ ...node, alias: `c${i}` }));
    const source = await deserialize(connection, template);
    const columns = constants.flatMap(({ fieldId }, i) => {
      const type = typeOf.get(fieldId)!;
      const form = internalFormSql(`c${i}`, type);
      return form === undefined ? ['NULL', 'NULL', 'false'] : [form, `typeof(c${i})`, `(CAST(c${i} AS ${duckdbType(type, '')}) = c${i})`];
    });
    let row: unknown[];
    try {
      row = (await connection.runAndReadAll(`SELECT ${columns.join(', ')} FROM (${source})`)).getRows()[0]!;
    } catch {
      return undefined; // a constant DuckDB cannot cast: the query will say so itself
    }
    constants.forEach(({ node, fieldId }, i) => {
      const [text, literalType, exact] = [row[3 * i], row[3 * i + 1], row[3 * i + 2]];
      const type = typeOf.get(fieldId)!;
      if (text === null || text === undefined || exact !== true || !literalFits(type, String(literalType))) return;
      values.set(node, fromText(String(text), type));
    });
  }
  const predicate = resolve(root, values);
  return predicate ? { predicate, statement, from } : undefined;
}
