/**
 * What reading a table through the table-format interface costs over reading it directly, on the
 * loopback S3 server (where each listing is a request), for a Delta table with 3,000 objects at its root:
 *
 *   format_dispatch_overhead_ms  api.files() at the latest version − DeltaTable.open + snapshot + file entries (medians)
 *   format_dispatch_ratio        the same two as a ratio
 *   format_detect_requests       list requests detection makes on that table (its root is 3 listing pages)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApi } from '../core/api/api';
import type { Action } from '../core/formats/delta/actions';
import { newTableActions } from '../core/formats/delta/create';
import { fileEntry } from '../core/formats/delta/file-entries';
import { commitKey } from '../core/formats/delta/log-files';
import { serializeActions } from '../core/formats/delta/parse';
import { DeltaTable } from '../core/formats/delta/table';
import { detectFormat } from '../core/formats/detect';
import { mapWithConcurrency } from '../core/storage/concurrency';
import { S3Store } from '../core/storage/s3';
import type { ObjectStore } from '../core/storage/types';
import { startS3Server } from '../test/helpers/s3server';
import { compare, report } from './bench-report';

const FILES = 3000;
const ROUNDS = 15;

/** One commit adding FILES files (present as empty objects: detection lists them, nothing reads them). */
async function writeTable(store: ObjectStore): Promise<void> {
  const schema = { type: 'struct' as const, fields: [{ name: 'id', type: 'long', nullable: true }] };
  const names = Array.from({ length: FILES }, (_, i) => `part-${String(i).padStart(5, '0')}.parquet`);
  const actions: Action[] = [
    ...newTableActions({ schema, partitionColumns: [] }),
    ...names.map((name, i): Action => ({ add: { path: name, partitionValues: {}, size: 0, modificationTime: 1_700_000_000_000 + i, dataChange: true } })),
  ];
  await store.put(commitKey(0), serializeActions(actions));
  await mapWithConcurrency(names, 32, (name) => store.put(name, new Uint8Array()));
}

function countingLists(store: ObjectStore, count: { lists: number }): ObjectStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key !== 'list') return Reflect.get(target, key, receiver);
      return (...args: Parameters<ObjectStore['list']>) => {
        count.lists++;
        return target.list(...args);
      };
    },
  });
}

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-formats-'));
const server = await startS3Server();
try {
  await server.createBucket('lake');
  const store = new S3Store({ client: server.client, bucket: 'lake', prefix: 'wide', urlScheme: 's3', endpoint: server.endpoint });
  await writeTable(store);
  const api = createApi({ catalogPath: path.join(work, 'catalog.sqlite'), cacheDir: path.join(work, 'cache') }, () => store);

  const direct = async () => {
    const snapshot = await (await DeltaTable.open(store)).snapshot();
    return snapshot.files.map((f) => fileEntry(f, snapshot));
  };
  const [viaApi, base] = await compare(ROUNDS, () => api.files({ location: store.url }), direct);
  report('format_dispatch_overhead_ms', Math.round((viaApi - base) * 10) / 10, 'ms');
  report('format_dispatch_ratio', viaApi / base, 'ratio');

  const count = { lists: 0 };
  await detectFormat(countingLists(store, count));
  report('format_detect_requests', count.lists, 'requests');
  await api.close();
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
