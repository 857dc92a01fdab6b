/** LakeSync deltas (formats.md §3) for tests: HLCs around one wall time and deltas built from plain objects. */

export const WALL = Date.parse('2026-11-23T10:00:00.000Z');
/** HLC of WALL + ms, counter c, as the decimal string JSON envelopes carry. */
export const hlc = (ms: number, c = 0): string => String((BigInt(WALL + ms) << 16n) | BigInt(c));

export interface Delta {
  op: 'INSERT' | 'UPDATE' | 'DELETE';
  table: string;
  rowId: string;
  clientId: string;
  columns: { column: string; value: unknown }[];
  hlc: string;
  deltaId: string;
}

let n = 0;
export const delta = (op: Delta['op'], rowId: string, at: string, clientId: string, columns: Record<string, unknown> = {}, table = 'todos'): Delta => ({
  op,
  table,
  rowId,
  clientId,
  columns: Object.entries(columns).map(([column, value]) => ({ column, value })),
  hlc: at,
  deltaId: `d${n++}`,
});
