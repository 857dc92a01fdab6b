/** LakeSync deltas (formats.md §3) for tests: HLCs around one wall time, deltas built from plain objects, flushed envelopes. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

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

/** Writes `deltas/<date>/<gateway>/<name>-<minHlc>-<maxHlc>.json` as a gateway flushes it; returns its path. */
export async function writeEnvelope(bucket: string, date: string, gateway: string, name: string, deltas: Delta[]): Promise<string> {
  const folder = path.join(bucket, 'deltas', date, gateway);
  await mkdir(folder, { recursive: true });
  const hlcs = deltas.map((d) => BigInt(d.hlc));
  const min = hlcs.reduce((a, b) => (a < b ? a : b));
  const max = hlcs.reduce((a, b) => (a > b ? a : b));
  const file = path.join(folder, `${name}-${min}-${max}.json`);
  await writeFile(
    file,
    JSON.stringify({ version: 1, gatewayId: gateway, createdAt: new Date(WALL).toISOString(), hlcRange: { min: String(min), max: String(max) }, deltaCount: deltas.length, byteSize: 0, deltas }),
  );
  return file;
}
