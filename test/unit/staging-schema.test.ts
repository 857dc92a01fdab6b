/** Lakeside staging schema: Parquet types → Delta types, record checks, inference. */
import { describe, expect, it } from 'vitest';
import { FieldInference, parseStagingSchema, recordProblem, type StagingField } from '../../core/formats/lakeside/staging-schema';

const parse = (fields: object[]) => parseStagingSchema(JSON.stringify({ fields }), 'mem://schema/schema.json');

describe('parseStagingSchema', () => {
  it('maps Parquet physical and logical types to Delta types', () => {
    const fields = parse([
      { name: 'id', type: 'INT64', repetitionType: 'REQUIRED' },
      { name: 'raw', type: 'BYTE_ARRAY' },
      { name: 'text', type: 'BYTE_ARRAY', logicalType: 'UTF8' },
      { name: 'n', type: 'INT32' },
      { name: 'small', type: 'INT32', logicalType: 'INT_16' },
      { name: 'day', type: 'INT32', logicalType: 'DATE' },
      { name: 'ts', type: 'INT64', logicalType: { type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: true } },
      { name: 'ms', type: 'INT64', logicalType: 'TIMESTAMP_MILLIS' },
      { name: 'price', type: 'FIXED_LEN_BYTE_ARRAY', logicalType: 'DECIMAL', precision: 10, scale: 2 },
      { name: 'ok', type: 'BOOLEAN' },
      { name: 'f', type: 'FLOAT' },
      { name: 'tags', type: 'BYTE_ARRAY', repetitionType: 'REPEATED' },
    ]);
    expect(fields.map((f) => [f.name, f.type, f.required, f.epochUnit])).toEqual([
      ['id', 'long', true, undefined],
      ['raw', 'string', false, undefined],
      ['text', 'string', false, undefined],
      ['n', 'integer', false, undefined],
      ['small', 'short', false, undefined],
      ['day', 'date', false, 'days'],
      ['ts', 'timestamp', false, 'us'],
      ['ms', 'timestamp', false, 'ms'],
      ['price', 'decimal(10,2)', false, undefined],
      ['ok', 'boolean', false, undefined],
      ['f', 'float', false, undefined],
      ['tags', { type: 'array', elementType: 'string', containsNull: true }, false, undefined],
    ]);
  });

  it('refuses a schema it cannot read, naming the object', () => {
    expect(() => parseStagingSchema('{"fields":', 'mem://s.json')).toThrow(/mem:\/\/s\.json.*not valid JSON/);
    expect(() => parse([{ name: 'x', type: 'INT128' }])).toThrow(/field "x" has unsupported type INT128/);
    expect(() => parse([{ name: 'x', type: 'INT64' }, { name: 'x', type: 'DOUBLE' }])).toThrow(/appears twice/);
    expect(() => parse([{ name: 'p', type: 'BYTE_ARRAY', logicalType: 'DECIMAL' }])).toThrow(/unsupported type/);
  });
});

describe('recordProblem', () => {
  const fields: StagingField[] = [
    { name: 'id', type: 'long', required: true },
    { name: 'small', type: 'byte', required: false },
    { name: 'name', type: 'string', required: false },
    { name: 'x', type: 'double', required: false },
    { name: 'day', type: 'date', required: false },
    { name: 'at', type: 'timestamp', required: false, epochUnit: 'ms' },
    { name: 'price', type: 'decimal(5,2)', required: false },
    { name: 'tags', type: { type: 'array', elementType: 'string', containsNull: true }, required: false },
  ];

  it('accepts records that fit, ignoring fields the schema does not list', () => {
    expect(recordProblem({ id: 1 }, fields)).toBeUndefined();
    expect(
      recordProblem(
        { id: -2, small: 127, name: 'a', x: 1, day: '2024-02-29', at: '2024-05-01T13:00:00.5+02:00', price: '123.45', tags: ['a', null], other: {} },
        fields,
      ),
    ).toBeUndefined();
    expect(recordProblem({ id: 1, at: 1714568400000, price: 999.99, name: null }, fields)).toBeUndefined();
  });

  it('names what is wrong', () => {
    expect(recordProblem([1], fields)).toBe('not a JSON object');
    expect(recordProblem({ name: 'x' }, fields)).toBe('missing required field "id"');
    expect(recordProblem({ id: null }, fields)).toBe('missing required field "id"');
    expect(recordProblem({ id: 1.5 }, fields)).toMatch(/^field "id": expected a long integer, got 1.5/);
    expect(recordProblem({ id: 1, small: 128 }, fields)).toMatch(/^field "small"/);
    expect(recordProblem({ id: 1, name: 5 }, fields)).toMatch(/^field "name": expected a string/);
    expect(recordProblem({ id: 1, x: '1' }, fields)).toMatch(/^field "x": expected a number/);
    expect(recordProblem({ id: 1, day: '2023-02-29' }, fields)).toMatch(/^field "day": expected a date/);
    expect(recordProblem({ id: 1, at: 'yesterday' }, fields)).toMatch(/^field "at": expected an ISO 8601 timestamp/);
    expect(recordProblem({ id: 1, price: 1234.5 }, fields)).toMatch(/^field "price": expected a decimal\(5,2\)/);
    expect(recordProblem({ id: 1, tags: ['a', 2] }, fields)).toMatch(/^field "tags": expected a string/);
  });
});

describe('FieldInference', () => {
  it('types each field by the values seen; a mix is kept as JSON text', () => {
    const inference = new FieldInference();
    inference.observe({ i: 1, d: 1, s: 'a', b: true, mixed: 1, obj: { a: 1 }, none: null });
    inference.observe({ i: 2, d: 2.5, s: 'b', b: false, mixed: 'x' });
    expect(inference.fields()).toEqual([
      { name: 'i', type: 'long', required: false },
      { name: 'd', type: 'double', required: false },
      { name: 's', type: 'string', required: false },
      { name: 'b', type: 'boolean', required: false },
      { name: 'mixed', type: 'string', required: false, anyValue: true },
      { name: 'obj', type: 'string', required: false, anyValue: true },
      { name: 'none', type: 'string', required: false },
    ]);
  });
});
