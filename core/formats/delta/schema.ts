/**
 * Delta schemas (PROTOCOL.md, "Schema Serialization Format") and their DuckDB equivalents, both
 * ways: readers map Delta types to DuckDB column types, writers map the DuckDB types of the rows
 * they write back to Delta types. Also partition values, which the log stores as strings
 * (PROTOCOL.md, "Partition Value Serialization").
 */
import { LakebenchError } from '../../errors';
import type { DeltaType, StructType } from './actions';
import { quoteIdent } from '../../sql-text';

const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/** `objectUrl` (the table) names the object in the CORRUPT error for an unreadable schema. */
export function parseSchema(schemaString: string, objectUrl?: string): StructType {
  let parsed: unknown;
  try {
    parsed = JSON.parse(schemaString);
  } catch (e) {
    throw new LakebenchError('CORRUPT', `table schema is not valid JSON: ${(e as Error).message}`, { object: objectUrl, cause: e });
  }
  const schema = parsed as StructType;
  if (schema?.type !== 'struct' || !Array.isArray(schema.fields)) {
    throw new LakebenchError('CORRUPT', 'table schema is not a struct type', { object: objectUrl });
  }
  return schema;
}

const DELTA_TO_DUCKDB: Record<string, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  integer: 'INTEGER',
  short: 'SMALLINT',
  byte: 'TINYINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  binary: 'BLOB',
  date: 'DATE',
  // Delta `timestamp` is an instant (stored UTC-adjusted); `timestamp_ntz` is a wall-clock time.
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  timestamp_ntz: 'TIMESTAMP',
  // Read as JSON text (PROTOCOL.md allows exposing a variant as its string form).
  variant: 'JSON',
};

export function deltaTypeToDuckDB(type: DeltaType): string {
  if (typeof type === 'string') {
    const primitive = DELTA_TO_DUCKDB[type];
    if (primitive) return primitive;
    const decimal = DECIMAL.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
    throw new LakebenchError('UNSUPPORTED_FEATURE', `Delta type "${type}" is not supported`);
  }
  switch (type.type) {
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${deltaTypeToDuckDB(f.type)}`).join(', ')})`;
    case 'array':
      return `${deltaTypeToDuckDB(type.elementType)}[]`;
    case 'map':
      return `MAP(${deltaTypeToDuckDB(type.keyType)}, ${deltaTypeToDuckDB(type.valueType)})`;
  }
}

/**
 * DuckDB type names (as DESCRIBE prints them, aliases included) → Delta types. Unsigned integers
 * widen to the next signed type that holds every value; DuckDB types with no Delta equivalent
 * (TIME, INTERVAL, UNION, …) are refused rather than written as something readers would misread.
 */
const DUCKDB_TO_DELTA: Record<string, DeltaType> = {
  BIGINT: 'long', INT8: 'long', LONG: 'long', INT64: 'long',
  INTEGER: 'integer', INT4: 'integer', INT: 'integer', SIGNED: 'integer', INT32: 'integer',
  SMALLINT: 'short', INT2: 'short', SHORT: 'short', INT16: 'short',
  TINYINT: 'byte', INT1: 'byte',
  UTINYINT: 'short', USMALLINT: 'integer', UINTEGER: 'long', UBIGINT: 'decimal(20,0)',
  HUGEINT: 'decimal(38,0)',
  FLOAT: 'float', FLOAT4: 'float', REAL: 'float',
  DOUBLE: 'double', FLOAT8: 'double',
  VARCHAR: 'string', TEXT: 'string', STRING: 'string', CHAR: 'string', BPCHAR: 'string', UUID: 'string', JSON: 'string',
  BOOLEAN: 'boolean', BOOL: 'boolean', LOGICAL: 'boolean',
  BLOB: 'binary', BYTEA: 'binary', BINARY: 'binary', VARBINARY: 'binary',
  DATE: 'date',
  'TIMESTAMP WITH TIME ZONE': 'timestamp', TIMESTAMPTZ: 'timestamp',
  TIMESTAMP: 'timestamp_ntz', DATETIME: 'timestamp_ntz', TIMESTAMP_US: 'timestamp_ntz',
  TIMESTAMP_MS: 'timestamp_ntz', TIMESTAMP_NS: 'timestamp_ntz', TIMESTAMP_S: 'timestamp_ntz',
};

export function duckdbTypeToDelta(duckType: string): DeltaType {
  const parser = new DuckTypeParser(duckType, false);
  const type = parser.parseType();
  parser.expectEnd();
  return type;
}

/**
 * The shape of a column as DuckDB reads it from a data file (a DESCRIBE type): structs, lists and
 * maps with their field names, leaves as Delta types where one exists and as the DuckDB type name
 * otherwise (VARIANT, UUID, …). For matching physical columns, never for writing a schema.
 */
export function physicalType(duckType: string): DeltaType {
  const parser = new DuckTypeParser(duckType, true);
  const type = parser.parseType();
  parser.expectEnd();
  return type;
}

/**
 * Recursive-descent parser for DuckDB type strings such as `STRUCT("a b" INTEGER, c MAP(VARCHAR, DOUBLE[]))`.
 * Hand-written: DuckDB exposes no type-string parser to JavaScript, and the grammar is tiny.
 */
class DuckTypeParser {
  private pos = 0;
  /** `lenient`: a type with no Delta equivalent is its DuckDB name instead of an error. */
  constructor(
    private readonly text: string,
    private readonly lenient: boolean,
  ) {}

  parseType(): DeltaType {
    let type = this.parseBaseType();
    // `T[]` is a LIST, `T[n]` a fixed-size ARRAY: both are Delta arrays. Suffixes may repeat.
    while (this.peek('[')) {
      this.pos++;
      this.skipWhile(/[0-9\s]/);
      this.expect(']');
      type = { type: 'array', elementType: type, containsNull: true };
    }
    return type;
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected "${this.text.slice(this.pos)}"`);
  }

  private parseBaseType(): DeltaType {
    const name = this.readWords();
    switch (name) {
      case 'STRUCT':
      case 'ROW': {
        this.expect('(');
        const fields = [];
        do {
          const fieldName = this.readIdentifier();
          fields.push({ name: fieldName, type: this.parseType(), nullable: true, metadata: {} });
        } while (this.accept(','));
        this.expect(')');
        return { type: 'struct', fields };
      }
      case 'LIST': {
        this.expect('(');
        const elementType = this.parseType();
        this.expect(')');
        return { type: 'array', elementType, containsNull: true };
      }
      case 'MAP': {
        this.expect('(');
        const keyType = this.parseType();
        this.expect(',');
        const valueType = this.parseType();
        this.expect(')');
        return { type: 'map', keyType, valueType, valueContainsNull: true };
      }
      case 'DECIMAL':
      case 'NUMERIC': {
        // DuckDB's bare DECIMAL is DECIMAL(18,3).
        if (!this.accept('(')) return 'decimal(18,3)';
        const precision = this.readNumber();
        const scale = this.accept(',') ? this.readNumber() : 0;
        this.expect(')');
        return `decimal(${precision},${scale})`;
      }
      case 'VARCHAR':
      case 'CHAR':
      case 'BPCHAR':
        // A length (VARCHAR(10)) changes nothing in DuckDB or Delta.
        if (this.accept('(')) {
          this.readNumber();
          this.expect(')');
        }
        return 'string';
    }
    if (name.startsWith('ENUM')) {
      this.skipParenthesised();
      return 'string';
    }
    const type = DUCKDB_TO_DELTA[name];
    if (type === undefined && this.lenient) {
      this.skipParenthesised();
      return name;
    }
    if (type === undefined) {
      throw new LakebenchError('UNSUPPORTED_FEATURE', `DuckDB type ${name} has no Delta Lake equivalent (in "${this.text}")`);
    }
    return type;
  }

  /** An upper-cased type name, including multi-word names like `TIMESTAMP WITH TIME ZONE`. */
  private readWords(): string {
    this.skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*(?:\s+WITH\s+TIME\s+ZONE)?/i.exec(this.text.slice(this.pos));
    if (!match) this.fail('expected a type name');
    this.pos += match[0].length;
    return match[0].toUpperCase().replace(/\s+/g, ' ');
  }

  private readIdentifier(): string {
    this.skipSpace();
    if (this.peek('"')) {
      let name = '';
      this.pos++;
      for (;;) {
        const end = this.text.indexOf('"', this.pos);
        if (end < 0) this.fail('unterminated quoted identifier');
        name += this.text.slice(this.pos, end);
        this.pos = end + 1;
        if (!this.peek('"')) return name;
        name += '"'; // `""` is an escaped quote
        this.pos++;
      }
    }
    const match = /^[^\s,()"]+/.exec(this.text.slice(this.pos));
    if (!match) this.fail('expected a field name');
    this.pos += match[0].length;
    return match[0];
  }

  private readNumber(): number {
    this.skipSpace();
    const match = /^\d+/.exec(this.text.slice(this.pos));
    if (!match) this.fail('expected a number');
    this.pos += match[0].length;
    return Number(match[0]);
  }

  private skipParenthesised(): void {
    if (!this.accept('(')) return;
    let depth = 1;
    let quote: string | undefined;
    for (; this.pos < this.text.length && depth > 0; this.pos++) {
      const c = this.text[this.pos];
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    }
    if (depth > 0) this.fail('unbalanced parentheses');
  }

  private skipSpace(): void {
    this.skipWhile(/\s/);
  }

  private skipWhile(pattern: RegExp): void {
    while (this.pos < this.text.length && pattern.test(this.text[this.pos])) this.pos++;
  }

  private peek(c: string): boolean {
    this.skipSpace();
    return this.text[this.pos] === c;
  }

  private accept(c: string): boolean {
    if (!this.peek(c)) return false;
    this.pos++;
    return true;
  }

  private expect(c: string): void {
    if (!this.accept(c)) this.fail(`expected "${c}"`);
  }

  private fail(problem: string): never {
    throw new LakebenchError('USAGE', `cannot read DuckDB type "${this.text}": ${problem} at position ${this.pos}`);
  }
}

/* Partition values: strings in the log, typed on the way out. */

const isNullPartitionValue = (value: string | null): value is null | '' => value === null || value === '';

/** A timestamp partition value without a zone is UTC (PROTOCOL.md; newer writers append `Z`). */
function withUtcZone(value: string): string {
  return /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(value) ? value : `${value}+00`;
}

/** A binary partition value is the UTF-8 bytes of the string in the log (how Spark turns the bytes into that string and back). */
function binaryBytes(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

const quoteLiteral = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * A typed DuckDB SQL literal for a partition value: `CAST('<value>' AS <type>)`, or NULL. The value
 * is always a quoted string, so no log content can inject SQL; DuckDB does the parsing.
 */
export function partitionValueToSql(value: string | null, type: DeltaType): string {
  if (isNullPartitionValue(value)) return 'NULL';
  const duckType = deltaTypeToDuckDB(type);
  if (type === 'binary') {
    const escaped = Array.from(binaryBytes(value), (b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    return `CAST('${escaped}' AS BLOB)`;
  }
  const text = type === 'timestamp' ? withUtcZone(value) : value;
  return `CAST(${quoteLiteral(text)} AS ${duckType})`;
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const INTEGER_RANGE: Record<string, [number, number]> = {
  integer: [-(2 ** 31), 2 ** 31 - 1],
  short: [-(2 ** 15), 2 ** 15 - 1],
  byte: [-(2 ** 7), 2 ** 7 - 1],
};

/**
 * A partition value as a JS value: string; number (integer, short, byte, float, double); bigint
 * (long); boolean; Date (date at UTC midnight, timestamp, timestamp_ntz read as UTC wall clock);
 * string for decimals (exact); Uint8Array (binary); null for null or ''. A value that does not
 * parse as its type is CORRUPT.
 */
export function parsePartitionValue(value: string | null, type: DeltaType): unknown {
  if (isNullPartitionValue(value)) return null;
  const bad = (): never => {
    throw new LakebenchError('CORRUPT', `partition value ${JSON.stringify(value)} is not a valid ${JSON.stringify(type)}`);
  };
  if (typeof type !== 'string') return bad();
  switch (type) {
    case 'string':
      return value;
    case 'long':
      return INTEGER_TEXT.test(value) ? BigInt(value) : bad();
    case 'integer':
    case 'short':
    case 'byte': {
      const n = Number(value);
      const [min, max] = INTEGER_RANGE[type];
      return INTEGER_TEXT.test(value) && n >= min && n <= max ? n : bad();
    }
    case 'float':
    case 'double': {
      const n = Number(value);
      return Number.isNaN(n) && value !== 'NaN' ? bad() : n;
    }
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : bad();
    case 'binary':
      return binaryBytes(value);
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? validDate(`${value}T00:00:00Z`, bad) : bad();
    case 'timestamp':
      return validDate(withUtcZone(value).replace(' ', 'T'), bad);
    case 'timestamp_ntz':
      return validDate(`${value.replace(' ', 'T')}Z`, bad);
  }
  return DECIMAL.test(type) && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(value) ? value : bad();
}

function validDate(iso: string, bad: () => never): Date {
  const date = new Date(iso.replace(/([+-]\d{2})$/, '$1:00'));
  return Number.isNaN(date.getTime()) ? bad() : date;
}
