/**
 * compact-staging against a real S3 server on loopback (s3rver pages listings at 1,000 keys): more than
 * 1,000 staged objects, a quarantined record, a crash between the commit and the deletes, then re-runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactStaging } from '../../core/ops/compact-staging';
import { mapWithConcurrency } from '../../core/storage/concurrency';
import { S3Store } from '../../core/storage/s3';
import { queryTable } from '../helpers/delta-rows';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

let server: S3TestServer;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: true });
  await server.createBucket('lake');
});
afterAll(async () => {
  await server?.stop();
});

function storeAt(prefix: string): S3Store {
  return new S3Store({ client: server.client, bucket: 'lake', prefix, urlScheme: 's3', endpoint: server.endpoint });
}

async function keysUnder(store: S3Store, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.listAll(prefix)) keys.push(info.key);
  return keys;
}

const HOURS = ['2026-11-23T08', '2026-11-23T09', '2026-11-23T10'];
const RECORDS = 1_050;

describe('compact-staging on S3', () => {
  it('takes more than 1,000 staged objects exactly once across a crash after the commit', { timeout: 180_000 }, async () => {
    const staging = storeAt('bucket-a');
    const target = staging.child('delta');
    await staging.put(
      'schema/schema.json',
      JSON.stringify({ fields: [{ name: 'id', type: 'INT64', repetitionType: 'REQUIRED' }, { name: 'label', type: 'BYTE_ARRAY', logicalType: 'UTF8' }] }),
    );
    const ids = Array.from({ length: RECORDS }, (_, i) => i);
    await mapWithConcurrency(ids, 16, (id) =>
      staging.put(`data/order_ts_hour=${HOURS[id % 3]}/rec-${String(id).padStart(5, '0')}.json`, JSON.stringify({ id, label: `r${id}` })),
    );
    await staging.put(`data/order_ts_hour=${HOURS[0]}/bad.ndjson`, '{"id":1}\n{"label":"no id"}\n');
    expect(await keysUnder(staging, 'data/')).toHaveLength(RECORDS + 1);

    const crash = new Error('crash after commit');
    await expect(compactStaging(staging, target, { afterCommit: () => Promise.reject(crash) })).rejects.toBe(crash);
    const expected = [...ids, 1].sort((a, b) => a - b);
    const tableIds = async () => (await queryTable(target, 'SELECT id FROM t ORDER BY id')).map((r) => Number(r.id));
    expect(await tableIds()).toEqual(expected);
    expect(await keysUnder(staging, 'data/')).toHaveLength(RECORDS + 1); // committed, not yet deleted

    const rerun = await compactStaging(staging, target);
    expect(rerun).toMatchObject({ version: undefined, resumedRuns: 1, sourcesRead: 0, sourcesDeleted: RECORDS + 1 });
    expect(await keysUnder(staging, 'data/')).toEqual([]);
    expect(await keysUnder(staging, '_lakebench/')).toEqual([]);
    expect(await tableIds()).toEqual(expected);

    const quarantine = await keysUnder(staging, 'quarantine/');
    expect(quarantine).toHaveLength(1);
    const entries = new TextDecoder().decode(await staging.get(quarantine[0]!)).trim().split('\n').map((l) => JSON.parse(l));
    expect(entries).toEqual([
      { file: `data/order_ts_hour=${HOURS[0]}/bad.ndjson`, line: 2, error: 'missing required field "id"', raw: '{"label":"no id"}' },
    ]);
    const perHour = await queryTable(target, 'SELECT order_ts_hour AS h, count(*) AS n FROM t GROUP BY 1 ORDER BY 1');
    expect(perHour.map((r) => [r.h, Number(r.n)])).toEqual([
      [HOURS[0], 351],
      [HOURS[1], 350],
      [HOURS[2], 350],
    ]);

    expect(await compactStaging(staging, target)).toMatchObject({ version: undefined, resumedRuns: 0, sourcesRead: 0, sourcesDeleted: 0 });
  });
});
