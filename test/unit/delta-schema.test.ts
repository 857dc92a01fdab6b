import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeltaType, StructType } from '../../core/formats/delta/actions';
import {
  deltaTypeToDuckDB,
  duckdbTypeToDelta,
  parsePartitionValue,
  parseSchema,
  partitionValueToSql,
} from '../../core/formats/delta/schema';

const field = (name: string, type: DeltaType) => ({ name, type, nullable: true, metadata: {} });

/** Every primitive plus nesting, with names DuckDB must quote. */
const SCHEMA: StructType = {
  type: 'struct',
  fields: [
    field('s', 'string'),
    field('l', 'long'),
    field('i', 'integer'),
    field('sh', 'short'),
    field('b', 'byte'),
    field('f', 'float'),
    field('d', 'double'),
    field('bool', 'boolean'),
    field('bin', 'binary'),
    field('dt', 'date'),
    field('ts', 'timestamp'),
    field('ts_ntz', 'timestamp_ntz'),
    field('dec', 'decimal(18,3)'),
    field('big dec', 'decimal(38,10)'),
    field('with "quote", comma', 'integer'),
    field('nested', {
      type: 'struct',
      fields: [field('x', 'long'), field('select', { type: 'array', elementType: 'string', containsNull: true })],
    }),
    field('arr', { type: 'array', elementType: { type: 'array', elementType: 'double', containsNull: true }, containsNull: true }),
    field('m', { type: 'map', keyType: 'string', valueType: { type: 'struct', fields: [field('v', 'date')] }, valueContainsNull: true }),
  ],
};

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run("SET TimeZone = 'America/New_York'"); // timestamps must not depend on the session zone
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

async function scalar(sql: string): Promise<unknown> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRows()[0][0];
}

describe('Delta ↔ DuckDB types', () => {
  it('maps primitives to the DuckDB types the SQL layer needs', () => {
    expect(deltaTypeToDuckDB('timestamp')).toBe('TIMESTAMP WITH TIME ZONE');
    expect(deltaTypeToDuckDB('timestamp_ntz')).toBe('TIMESTAMP');
    expect(deltaTypeToDuckDB('binary')).toBe('BLOB');
    expect(deltaTypeToDuckDB('decimal(10, 2)')).toBe('DECIMAL(10,2)');
    expect(deltaTypeToDuckDB({ type: 'map', keyType: 'string', valueType: 'long', valueContainsNull: true })).toBe('MAP(VARCHAR, BIGINT)');
  });

  it('round-trips a schema through a real DuckDB table', async () => {
    const columns = SCHEMA.fields.map((f) => `"${f.name.replaceAll('"', '""')}" ${deltaTypeToDuckDB(f.type)}`).join(', ');
    await connection.run(`CREATE TABLE round_trip (${columns})`);
    const described = (await connection.runAndReadAll('DESCRIBE round_trip')).getRowObjects();
    const back: StructType = {
      type: 'struct',
      fields: described.map((row) => field(String(row.column_name), duckdbTypeToDelta(String(row.column_type)))),
    };
    expect(back).toEqual(SCHEMA);
  });

  it('reads DuckDB aliases and spellings', () => {
    expect(duckdbTypeToDelta('INT')).toBe('integer');
    expect(duckdbTypeToDelta('timestamptz')).toBe('timestamp');
    expect(duckdbTypeToDelta('DECIMAL')).toBe('decimal(18,3)');
    expect(duckdbTypeToDelta('VARCHAR(20)')).toBe('string');
    expect(duckdbTypeToDelta('INTEGER[3]')).toEqual({ type: 'array', elementType: 'integer', containsNull: true });
    expect(duckdbTypeToDelta('LIST(BIGINT)')).toEqual({ type: 'array', elementType: 'long', containsNull: true });
    expect(duckdbTypeToDelta("ENUM('a', 'b)')")).toBe('string');
    expect(duckdbTypeToDelta('UBIGINT')).toBe('decimal(20,0)');
  });

  it('refuses DuckDB types Delta cannot hold', () => {
    expect(() => duckdbTypeToDelta('INTERVAL')).toThrow(/INTERVAL/);
    expect(() => duckdbTypeToDelta('STRUCT(a TIME)')).toThrow(/TIME/);
    expect(() => duckdbTypeToDelta('MAP(VARCHAR')).toThrow(/cannot read DuckDB type/);
  });

  it('parses schemaString and names the table on a bad one', () => {
    expect(parseSchema(JSON.stringify(SCHEMA))).toEqual(SCHEMA);
    expect(() => parseSchema('{"type":"struct"', '/lake/t')).toThrow(/\/lake\/t/);
    expect(() => parseSchema('{"type":"array"}')).toThrow(/not a struct/);
  });
});

describe('partition values', () => {
  const cases: [string, DeltaType][] = [
    ["it's", 'string'],
    ['9007199254740993', 'long'],
    ['-12', 'integer'],
    ['7', 'short'],
    ['-128', 'byte'],
    ['1.5', 'float'],
    ['-2.25', 'double'],
    ['true', 'boolean'],
    ['2021-03-04', 'date'],
    ['2021-03-04 05:06:07', 'timestamp'],
    ['2021-03-04 05:06:07.123456', 'timestamp_ntz'],
    ['2021-03-04T05:06:07.5Z', 'timestamp'],
    ['12345.678', 'decimal(10,3)'],
    ['\u0001\u00ff', 'binary'],
  ];

  it.each(cases)('%j as %s: the SQL literal and the JS value agree', async (value, type) => {
    const sql = partitionValueToSql(value, type);
    const fromDuckDB = await scalar(`SELECT ${sql}`);
    const fromJs = parsePartitionValue(value, type);
    switch (type) {
      case 'date':
      case 'timestamp':
      case 'timestamp_ntz':
        // Epoch microseconds from DuckDB (days for dates) vs the JS Date.
        expect(await scalar(`SELECT epoch_ms(${sql}::TIMESTAMP${type === 'timestamp' ? ' WITH TIME ZONE' : ''})`)).toBe(
          BigInt((fromJs as Date).getTime()),
        );
        break;
      case 'binary':
        expect(Array.from(await scalar(`SELECT ${sql}::BLOB`).then((b) => (b as { bytes: Uint8Array }).bytes))).toEqual(
          Array.from(fromJs as Uint8Array),
        );
        break;
      case 'decimal(10,3)':
        expect(String(await scalar(`SELECT ${sql}::VARCHAR`))).toBe(fromJs);
        break;
      default:
        expect(fromDuckDB).toEqual(fromJs);
    }
  });

  it('reads a binary partition value as the UTF-8 bytes of its string', () => {
    expect(Array.from(parsePartitionValue('\u0001é', 'binary') as Uint8Array)).toEqual([0x01, 0xc3, 0xa9]);
    expect(partitionValueToSql('\u0001é', 'binary')).toBe(`CAST('\\x01\\xc3\\xa9' AS BLOB)`);
  });

  it('reads null and empty as NULL', async () => {
    expect(partitionValueToSql(null, 'long')).toBe('NULL');
    expect(partitionValueToSql('', 'string')).toBe('NULL');
    expect(parsePartitionValue('', 'date')).toBeNull();
    expect(await scalar(`SELECT ${partitionValueToSql(null, 'date')} IS NULL`)).toBe(true);
  });

  it('cannot be used to inject SQL', async () => {
    const value = "x' ; DROP TABLE t; --";
    expect(await scalar(`SELECT ${partitionValueToSql(value, 'string')}`)).toBe(value);
  });

  it('refuses values that do not fit their type', () => {
    expect(() => parsePartitionValue('12a', 'long')).toThrow(/not a valid/);
    expect(() => parsePartitionValue('40000', 'short')).toThrow(/not a valid/);
    expect(() => parsePartitionValue('yes', 'boolean')).toThrow(/not a valid/);
    expect(() => parsePartitionValue('2021-13-45', 'date')).toThrow(/not a valid/);
  });
});
