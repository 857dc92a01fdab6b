/** History's commit summaries: changed rows from row-level metrics, rows in written files labelled as file-level. */
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../core/api/types';
import { changedRowsBetween, changedRowsText, commitSummary } from '../../renderer/src/logic/table-stats';

const entry = (ordinal: number, operation: string, operationMetrics: Record<string, string>): HistoryEntry => ({
  version: String(ordinal),
  ordinal,
  timestamp: '2026-11-23T10:00:00Z',
  operation,
  operationMetrics,
});
const text = (e: HistoryEntry) => changedRowsText(commitSummary(e), String);

describe('commitSummary', () => {
  it("counts a Spark MERGE's inserted, updated and deleted rows, and its output rows only as rows in written files", () => {
    const merge = entry(1, 'MERGE', { numTargetRowsInserted: '1000', numTargetRowsUpdated: '3000', numTargetRowsDeleted: '0', numTargetRowsCopied: '50000', numOutputRows: '54000', numRemovedFiles: '4', numAddedFiles: '4' });
    expect(text(merge)).toBe('+1000 inserted · 3000 updated');
    expect(commitSummary(merge)).toMatchObject({ fileRowsAdded: 54000, filesAdded: 4, filesRemoved: 4 });
  });

  it('counts a copy-on-write DELETE by its deleted rows, not the rows of the files it rewrote', () => {
    const deleted = entry(2, 'DELETE', { numDeletedRows: '69577', numCopiedRows: '1918', numRemovedFiles: '13', numAddedFiles: '11' });
    expect(text(deleted)).toBe('−69577 deleted');
    expect(commitSummary(deleted).rowsInserted).toBeUndefined();
  });

  it("counts an append's written rows as inserted, a merge without row metrics only as rows in written files", () => {
    expect(text(entry(3, 'WRITE', { numFiles: '1', numOutputRows: '800' }))).toBe('+800 inserted');
    expect(text(entry(4, 'append', { 'added-records': '3', 'added-data-files': '1' }))).toBe('+3 inserted');
    const merge = entry(5, 'MERGE', { numFiles: '4', numOutputRows: '350', numRemovedFiles: '1' });
    expect(text(merge)).toBe('');
    expect(commitSummary(merge).fileRowsAdded).toBe(350);
    expect(text(entry(6, 'UPDATE', { numUpdatedRows: '12', numCopiedRows: '88', numRemovedFiles: '1', numAddedFiles: '1' }))).toBe('12 updated');
  });

  it('sums the changed rows of the commits after one version up to another', () => {
    const history = [
      entry(0, 'WRITE', { numOutputRows: '2000' }),
      entry(1, 'WRITE', { numOutputRows: '800' }),
      entry(2, 'DELETE', { numDeletedRows: '41', numRemovedFiles: '1' }),
      entry(3, 'UPDATE', { numUpdatedRows: '5', numRemovedFiles: '1' }),
    ];
    expect(changedRowsBetween(history, 0, 3)).toEqual({ rowsInserted: 800, rowsUpdated: 5, rowsDeleted: 41 });
    expect(changedRowsBetween(history, 1, 2)).toEqual({ rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 41 });
  });
});
