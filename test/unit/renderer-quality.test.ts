/** The Quality tab's pure logic: params as text and back, and past results as chart points per run. */
import { describe, expect, it } from 'vitest';
import type { QualityResultEntry } from '../../core/api/workbench';
import { acceptedText, acceptedValues, boundValue, fieldsOf, historyPoints, newCheckName } from '../../renderer/src/logic/quality-rules';

const entry = (over: Partial<QualityResultEntry>): QualityResultEntry => ({
  check_name: 'a',
  check_type: 'not_null',
  column_name: 'id',
  status: 'failed',
  failing_rows: 1,
  total_rows: 10,
  details: '',
  failing_sample: [],
  runId: 'r1',
  tableName: '/lake/t',
  tableVersion: '1',
  executedAt: '2026-11-23T10:00:00.000Z',
  ...over,
});

describe('quality rules in the app', () => {
  it('reads bounds and accepted lists typed as text', () => {
    expect(boundValue(' 12 ')).toBe(12);
    expect(boundValue('-1.5')).toBe(-1.5);
    expect(boundValue('2024-01-01')).toBe('2024-01-01');
    expect(boundValue('  ')).toBeUndefined();
    expect(acceptedValues('free, pro,, 3')).toEqual(['free', 'pro', 3]);
    expect(acceptedText({ name: 'x', check_type: 'accepted_values', params: { accepted: ['free', 3] } })).toBe('free, 3');
    expect(fieldsOf('row_count_range')).toEqual({ column: false, params: 'count' });
    expect(newCheckName([{ name: 'check_1', check_type: 'x' }, { name: 'check_3', check_type: 'x' }])).toBe('check_2');
  });

  it('turns past results into one point per run, oldest first, leaving errored checks out', () => {
    const { points, checks } = historyPoints([
      entry({ runId: 'r2', executedAt: '2026-11-23T11:00:00.000Z', tableVersion: '2', failing_rows: 0 }),
      entry({ runId: 'r2', check_name: 'b', executedAt: '2026-11-23T11:00:00.000Z', tableVersion: '2', status: 'error' }),
      entry({ runId: 'r1', failing_rows: 3 }),
      entry({ runId: 'r1', check_name: 'b', failing_rows: 5 }),
    ]);
    expect(checks).toEqual(['a', 'b']);
    expect(points).toEqual([
      { run: 'v1 · 11-23 10:00', a: 3, b: 5 },
      { run: 'v2 · 11-23 11:00', a: 0 },
    ]);
  });
});
