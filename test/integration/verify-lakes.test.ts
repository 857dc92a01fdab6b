/** verify on LakeSync and Lakeside buckets: sound buckets pass; each planted defect is named by file (and delta or line). */
import { mkdir, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compactStagingIntoLakeside } from '../../core/ops/compact-staging-lakeside';
import { verifyLocation } from '../../core/ops/verify/verify';
import { LocalStore } from '../../core/storage/local';
import { writeLakeSync } from '../helpers/lake-buckets';
import { delta, hlc, writeEnvelope } from '../helpers/lakesync-deltas';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-verify-lakes-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const problems = async () => (await verifyLocation(new LocalStore(dir))).problems.map((p) => [p.kind, p.object.replace(`${dir}/`, '')]);

describe('verify on a LakeSync bucket', () => {
  it('passes sound envelopes and names a malformed delta, a wrong deltaCount or hlcRange, and a file that is not JSON', async () => {
    const good = await writeEnvelope(dir, '2026-11-23', 'gw-a', 'todos', [delta('INSERT', 'r1', hlc(10), 'c1', { title: 'a' }), delta('UPDATE', 'r1', hlc(20), 'c1', { title: 'b' })]);
    expect(await problems()).toEqual([]);
    expect((await verifyLocation(new LocalStore(dir))).checked.files).toBe(1);

    const counted = await writeEnvelope(dir, '2026-11-23', 'gw-b', 'todos', [delta('INSERT', 'r2', hlc(30), 'c1', { title: 'c' })]);
    const envelope = JSON.parse(await readFile(counted, 'utf8')) as { deltaCount: number; hlcRange: { max: string } };
    envelope.deltaCount = 5;
    envelope.hlcRange.max = hlc(99);
    await writeFile(counted, JSON.stringify(envelope));
    const bad = await writeEnvelope(dir, '2026-11-24', 'gw-a', 'todos', [delta('INSERT', 'r3', hlc(40), 'c1'), { ...delta('INSERT', 'r4', hlc(41), 'c1'), op: 'UPSERT' as 'INSERT' }]);
    await mkdir(path.join(dir, 'deltas', '2026-11-25', 'gw-a'), { recursive: true });
    await writeFile(path.join(dir, 'deltas', '2026-11-25', 'gw-a', 'cut.json'), '{"version":1,"deltas":[');
    const rel = (file: string) => path.relative(dir, file);
    const found = await problems();
    expect(found).toEqual(expect.arrayContaining([
      ['envelope-mismatch', rel(counted)],
      ['bad-delta', `${rel(bad)} (delta 1)`],
      ['bad-delta', 'deltas/2026-11-25/gw-a/cut.json'],
    ]));
    expect(found.filter(([kind]) => kind === 'envelope-mismatch')).toHaveLength(2); // deltaCount and hlcRange
    expect(found.some(([, object]) => object === rel(good))).toBe(false);
  });
});

const SCHEMA = { fields: [{ name: 'id', type: 'INT64', repetitionType: 'REQUIRED' }, { name: 'name', type: 'BYTE_ARRAY', logicalType: 'UTF8' }] };

async function stage(records: string[], hour = '2026-11-23T08'): Promise<void> {
  const folder = path.join(dir, 'data', `order_ts_hour=${hour}`);
  await mkdir(folder, { recursive: true });
  for (const [i, record] of records.entries()) await writeFile(path.join(folder, `r${i}-${Math.random().toString(36).slice(2)}.json`), record);
}

describe('verify progress on a LakeSync bucket', () => {
  it('counts every file the report checks, JSON envelopes and Parquet files alike, from the first event on', async () => {
    await writeLakeSync(dir);
    const events: { done: number; total?: number }[] = [];
    const report = await verifyLocation(new LocalStore(dir), { onProgress: (p) => events.push({ done: p.done, total: p.total }) });
    expect(report.checked.files).toBe(6); // 4 envelopes, a Parquet delta and a materialised state
    expect(new Set(events.map((e) => e.total))).toEqual(new Set([report.checked.files]));
    expect(events.at(-1)?.done).toBe(report.checked.files);
  });
});

describe('verify on a Lakeside bucket', () => {
  it('passes a compacted bucket; names a staged record that breaks the schema, a cut Parquet file, a missing one and a log gap; lists orphans', async () => {
    await mkdir(path.join(dir, 'schema'), { recursive: true });
    await writeFile(path.join(dir, 'schema', 'schema.json'), JSON.stringify(SCHEMA));
    await stage(['{"id":1,"name":"a"}', '{"id":2,"name":"b"}']);
    await compactStagingIntoLakeside(new LocalStore(dir));
    await stage(['{"id":3,"name":"c"}'], '2026-11-23T09');
    await compactStagingIntoLakeside(new LocalStore(dir));
    expect(await problems()).toEqual([]);
    const report = await verifyLocation(new LocalStore(dir));
    expect(report.checked.files).toBe(2);

    const log = JSON.parse(await readFile(path.join(dir, '_lakeside_log', '00000000.json'), 'utf8')) as { add: { path: string }[] };
    const second = JSON.parse(await readFile(path.join(dir, '_lakeside_log', '00000001.json'), 'utf8')) as { add: { path: string }[] };
    await truncate(path.join(dir, log.add[0]!.path), 40);
    await unlink(path.join(dir, second.add[0]!.path));
    await writeFile(path.join(dir, '_lakeside_log', '00000003.json'), JSON.stringify({ version: 3, timestamp: '2026-11-23T10:00:00Z', operation: 'cleanup', add: [], remove: [] }));
    await writeFile(path.join(dir, 'parquet', 'order_ts_hour=2026-11-23T08', 'part-never-logged.parquet'), 'x');
    await stage(['{"id":"not a number","name":"d"}'], '2026-11-23T10');

    const found = await problems();
    expect(found).toEqual(expect.arrayContaining([
      ['size-mismatch', log.add[0]!.path],
      ['missing-file', second.add[0]!.path],
      ['log-gap', '_lakeside_log/00000003.json'],
    ]));
    const badRecord = found.find(([kind]) => kind === 'bad-record');
    expect(badRecord?.[1]).toMatch(/^data\/order_ts_hour=2026-11-23T10\/r0-.*\.json:1$/);
    const after = await verifyLocation(new LocalStore(dir));
    expect(after.orphans?.map((o) => o.replace(`${dir}/`, ''))).toEqual(['parquet/order_ts_hour=2026-11-23T08/part-never-logged.parquet']);
  });
});
