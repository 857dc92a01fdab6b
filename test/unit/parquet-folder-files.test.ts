import { describe, expect, it } from 'vitest';
import { folderFiles, hiveValuesOf } from '../../core/formats/parquet/folder-files';

const at = new Date('2024-05-01T12:00:00Z');

describe('Parquet folder details', () => {
  it('reads partition values from k=v folders, decoding hive escapes', () => {
    expect(hiveValuesOf('country=DE/city=K%C3%B6ln/part-0.parquet')).toEqual({ country: 'DE', city: 'Köln' });
    expect(hiveValuesOf('part-0.parquet')).toEqual({});
    expect(hiveValuesOf('a=100%/x.parquet')).toEqual({ a: '100%' });
  });

  it('lists files and sums partitions', () => {
    const result = folderFiles([
      { key: 'country=DE/a.parquet', size: 10, lastModified: at },
      { key: 'country=DE/b.parquet', size: 5, lastModified: at },
      { key: 'country=US/c.parquet', size: 7, lastModified: at },
    ]);
    expect(result.partitionColumns).toEqual(['country']);
    expect(result.files[0]).toEqual({ path: 'country=DE/a.parquet', size: 10, partitionValues: { country: 'DE' }, modificationTime: at.toISOString() });
    expect(result.partitions.map((p) => [p.partitionValues.country, p.files, p.bytes])).toEqual([
      ['DE', 2, 15],
      ['US', 1, 7],
    ]);
  });
});
