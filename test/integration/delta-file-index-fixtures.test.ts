/**
 * The file index of tables other writers made (Spark, delta-rs, DAT, golden tables): classic
 * checkpoints, deletion vectors, a JSON v2 checkpoint, partitions with nulls. Each must hold the live
 * files the JS snapshot reader finds, with the same file actions.
 */
import { describe, expect, it } from 'vitest';
import { DeltaTable } from '../../core/formats/delta/table';
import { DeltaFileIndex } from '../../core/sql/delta-file-index';
import { LocalStore } from '../../core/storage/local';
import { fixture } from '../helpers/fixtures';

const TABLES = [
  ['dat', 'with_checkpoint', 'delta'],
  ['delta-rs', 'delta-0.2.0'],
  ['delta-rs', 'delta-0.8.0-null-partition'],
  ['delta-rs', 'simple_table_with_checkpoint'],
  ['golden', 'dv-partitioned-with-checkpoint', 'delta'],
  ['golden', 'v2-checkpoint-json', 'delta'],
];

describe('Delta file index on tables other writers made', () => {
  it.each(TABLES)('%s/%s holds the snapshot reader’s live files', async (...segments) => {
    const table = await DeltaTable.open(new LocalStore(fixture(...segments)));
    const snapshot = await table.snapshot();
    const index = await DeltaFileIndex.open(table);
    try {
      expect(index.version).toBe(snapshot.version);
      expect(index.fileCount).toBe(snapshot.files.length);
      expect(index.partitionColumns).toEqual(snapshot.partitionColumns);
      const { rows } = await index.files(0, snapshot.files.length + 1);
      const byPath = new Map(snapshot.files.map((f) => [f.path, f]));
      for (const add of rows) {
        const expected = byPath.get(add.path)!;
        expect(add).toMatchObject({ path: expected.path, size: expected.size, modificationTime: expected.modificationTime });
        expect(add.stats ?? undefined).toEqual(expected.stats ?? undefined);
        expect(add.deletionVector).toEqual(expected.deletionVector);
        for (const column of snapshot.partitionColumns) expect(add.partitionValues[column] || null).toBe(expected.partitionValues[column] || null);
      }
      expect(new Set(rows.map((f) => f.path))).toEqual(new Set(byPath.keys()));
    } finally {
      index.close();
    }
  });
});
