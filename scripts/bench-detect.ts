/**
 * `tsx scripts/bench-detect.ts`: finding the tables in a big folder, printed as `BENCH <name> <value> <unit>`.
 * The lake: a landing folder of 100,000 small objects beside a Delta table and a Parquet folder.
 *
 *   detect_100k_ms      findTables over the lake, median of rounds (goal ≤ 2,000)
 *   detect_100k_ratio   that ÷ one plain listing of every object in the lake in the same run (medians,
 *                       alternating): what detection costs beyond reading the folder once
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findTables } from '../core/formats/detect';
import { mapWithConcurrency } from '../core/storage/concurrency';
import { LocalStore } from '../core/storage/local';
import { appendCsv } from '../test/helpers/maintenance-table';
import { compare, report } from './bench-report';

const OBJECTS = 100_000;
const ROUNDS = 5;

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-detect-'));
try {
  const lake = path.join(work, 'lake');
  await mkdir(path.join(lake, 'landing'), { recursive: true });
  await mapWithConcurrency(
    Array.from({ length: OBJECTS }, (_, i) => i),
    64,
    (i) => writeFile(path.join(lake, 'landing', `event-${String(i).padStart(6, '0')}.json`), '{"id":1}'),
  );
  await appendCsv(new LocalStore(path.join(lake, 'orders')), work, 'id,v\n1,a\n');
  await mkdir(path.join(lake, 'events', 'day=1'), { recursive: true });
  await writeFile(path.join(lake, 'events', 'day=1', 'part-0.parquet'), 'PAR1');

  const store = new LocalStore(lake);
  const found = await findTables(store);
  console.error(`bench-detect: ${OBJECTS} objects; found ${found.map((t) => `${t.key} (${t.format.name})`).join(', ')}`);
  const listing = async () => {
    for await (const info of store.listAll('')) void info;
  };
  const [detectMs, listingMs] = await compare(ROUNDS, () => findTables(new LocalStore(lake)), listing);
  report('detect_100k_ms', Math.round(detectMs), 'ms');
  report('detect_100k_ratio', detectMs / listingMs, 'x');
} finally {
  await rm(work, { recursive: true, force: true });
}
