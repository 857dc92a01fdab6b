import { describe, expect, it } from 'vitest';
import type { ResultChunk } from '../../core/api/types';
import { createChunkWriter, csvField, renderTable, type OutputFormat } from '../../core/cli/output';

const columns = [
  { name: 'id', type: 'BIGINT' },
  { name: 'name', type: 'VARCHAR' },
];

function render(format: OutputFormat, chunks: ResultChunk[]): string {
  let text = '';
  const writer = createChunkWriter(format, (t) => (text += t));
  for (const c of chunks) writer.write(c);
  writer.end();
  return text;
}

describe('csv', () => {
  it('quotes only fields that need it and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"');
  });

  it('writes the header once across chunks', () => {
    const text = render('csv', [
      { columns, rows: [[1, 'x,y']] },
      { columns, rows: [[2, null]] },
    ]);
    expect(text).toBe('id,name\n1,"x,y"\n2,\n');
  });
});

describe('json', () => {
  it('streams a valid JSON array of row objects, one per line', () => {
    const text = render('json', [
      { columns, rows: [[1, 'a'], [2, 'b']] },
      { columns, rows: [[3, null]] },
    ]);
    expect(text).toBe('[\n{"id":1,"name":"a"},\n{"id":2,"name":"b"},\n{"id":3,"name":null}\n]\n');
    expect(JSON.parse(text)).toHaveLength(3);
  });

  it('is an empty array for no rows', () => {
    expect(JSON.parse(render('json', []))).toEqual([]);
    expect(JSON.parse(render('json', [{ columns, rows: [] }]))).toEqual([]);
  });
});

describe('table', () => {
  it('aligns columns using widths from the first chunk; numbers right-aligned', () => {
    const text = render('table', [
      { columns, rows: [[1, 'alpha'], [22, null]] },
      { columns, rows: [[333, 'much longer value']] },
    ]);
    expect(text.split('\n')).toEqual([
      'id  name',
      '--  -----',
      ' 1  alpha',
      '22  NULL',
      '333  much longer value',
      '',
    ]);
  });

  it('renders a whole listing', () => {
    expect(renderTable(['key', 'size'], [['a.parquet', 10], ['b', 2000]])).toBe(
      'key        size\n---------  ----\na.parquet    10\nb          2000\n',
    );
  });
});
