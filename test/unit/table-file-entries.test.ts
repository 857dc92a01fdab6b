import { describe, expect, it } from 'vitest';
import { fileEntry, liveRows } from '../../core/formats/delta/file-entries';
import { partitionEntries } from '../../core/formats/partition-entries';
import type { AddFile } from '../../core/formats/delta/actions';
import { isLakebenchError } from '../../core/errors';

const add = (path: string, partitionValues: Record<string, string | null>, size: number, numRecords?: number): AddFile => ({
  path,
  partitionValues,
  size,
  modificationTime: 1_700_000_000_000,
  dataChange: true,
  stats: numRecords === undefined ? undefined : JSON.stringify({ numRecords, minValues: { x: 1 }, maxValues: { x: 9 }, nullCount: { x: 0 } }),
});

const table = (tableUrl: string) => ({ tableUrl, schema: { type: 'struct' as const, fields: [] }, partitionColumns: [], columnMapping: 'none' as const });

describe('fileEntry', () => {
  it('parses stats and dates', () => {
    expect(fileEntry(add('a.parquet', {}, 10, 4), table('/t'))).toEqual({
      path: 'a.parquet',
      size: 10,
      partitionValues: {},
      stats: { numRecords: 4, minValues: { x: 1 }, maxValues: { x: 9 }, nullCount: { x: 0 } },
      modificationTime: '2023-11-14T22:13:20.000Z',
    });
    expect(fileEntry(add('b.parquet', {}, 10), table('/t'))).not.toHaveProperty('stats');
  });

  it('reports malformed stats as CORRUPT naming the table', () => {
    const broken = { ...add('c.parquet', {}, 1), stats: '{not json' };
    let error: unknown;
    try {
      fileEntry(broken, table('/lake/t'));
    } catch (e) {
      error = e;
    }
    expect(isLakebenchError(error, 'CORRUPT')).toBe(true);
    expect((error as Error).message).toContain('/lake/t');
    expect((error as Error).message).toContain('c.parquet');
  });
});

describe('partitionEntries', () => {
  it('groups files, rows and bytes per partition; empty string means null', () => {
    const files = [
      add('1', { d: '2026-01-01' }, 100, 10),
      add('2', { d: '2026-01-01' }, 50, 5),
      add('3', { d: null }, 7, 1),
      add('4', { d: '' }, 3, 2),
    ].map((f) => fileEntry(f, table('/t')));
    expect(partitionEntries(files, ['d'])).toEqual([
      { partitionValues: { d: '2026-01-01' }, files: 2, rows: 15, bytes: 150 },
      { partitionValues: { d: null }, files: 2, rows: 3, bytes: 10 },
    ]);
  });

  it('counts a file\'s rows less those its deletion vector deletes', () => {
    const dv = { storageType: 'u', pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 1, sizeInBytes: 40, cardinality: 3 };
    const files = [{ ...add('1', {}, 1, 10), deletionVector: dv }, add('2', {}, 2, 5)].map((f) => fileEntry(f, table('/t')));
    // PROTOCOL.md's example: prefix `ab`, then the Z85 text of the DV file's UUID.
    expect(files[0].deletionVector).toEqual({ storage: 'ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin', offset: 1, size: 40, cardinality: 3 });
    expect(files[1]).not.toHaveProperty('deletionVector');
    expect(liveRows(files)).toBe(12);
    expect(partitionEntries(files, [])).toEqual([{ partitionValues: {}, files: 2, rows: 12, bytes: 3 }]);
  });

  it('shows partition values under display names on a column-mapping table', () => {
    const field = { name: 'day', type: 'string', nullable: true, metadata: { 'delta.columnMapping.physicalName': 'col-9', 'delta.columnMapping.id': 9 } };
    const mapped = { tableUrl: '/t', schema: { type: 'struct' as const, fields: [field] }, partitionColumns: ['day'], columnMapping: 'name' as const };
    expect(fileEntry(add('1', { 'col-9': 'mon' }, 1, 1), mapped).partitionValues).toEqual({ day: 'mon' });
  });

  it('leaves rows unknown when a file has no stats', () => {
    const files = [add('1', {}, 1, 3), add('2', {}, 2)].map((f) => fileEntry(f, table('/t')));
    expect(partitionEntries(files, [])).toEqual([{ partitionValues: {}, files: 2, rows: undefined, bytes: 3 }]);
  });
});
