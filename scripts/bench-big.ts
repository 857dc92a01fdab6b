/**
 * `tsx scripts/bench-big.ts`: a Delta table at the size users have (issue 17), printed as
 * `BENCH <name> <value> <unit>`. The table: 1,000,000 live files added by 100,000 commits, a 10-part
 * checkpoint at version 99,900 (checkpoint interval 100) and the 99 commits after it, partitioned by
 * `day` over 1,000 days; no data files (opening and planning read only the log). Generated once into
 * ~/.cache/lakebench-bench/big (a minute or so), reused by later runs.
 *
 *   big_open_ms       cold open in a fresh process: list the log, read the checkpoint and the commits
 *                     after it into the file index (core/sql/delta-file-index.ts); median (goal ≤ 3,000)
 *   big_plan_ms       the files a `WHERE day = …` query needs (1,000 of the 1,000,000); median (goal ≤ 500)
 *   big_peak_rss_mb   the highest peak RSS of those processes (goal ≤ 1,500)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BigTableShape, writeBigDeltaTable } from '../test/helpers/big-delta-table';
import { median, report } from './bench-report';

const SHAPE: BigTableShape = { files: 1_000_000, commits: 100_000, checkpointInterval: 100, days: 1_000, partRows: 100_000 };
const ROUNDS = 3;
const dir = path.join(os.homedir(), '.cache', 'lakebench-bench', 'big');
const done = path.join(dir, '_generated.json');

// The marker names the shape, so a change of shape (or an interrupted generation) makes a new table.
if (!existsSync(done) || (await readFile(done, 'utf8')) !== JSON.stringify(SHAPE)) {
  console.error(`bench-big: generating ${SHAPE.files} files / ${SHAPE.commits} commits in ${dir}`);
  await rm(dir, { recursive: true, force: true });
  await writeBigDeltaTable(dir, SHAPE);
  await writeFile(done, JSON.stringify(SHAPE));
}

interface Round {
  openMs: number;
  planMs: number;
  files: number;
  planned: number;
  peakRssMb: number;
}

const child = path.join(import.meta.dirname, 'bench-big-open.ts');
const rounds: Round[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', child, dir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench-big-open failed: ${run.stderr}`);
  rounds.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Round);
}
const last = rounds.at(-1)!;
console.error(`bench-big: ${last.files} live files; the pruned query needs ${last.planned}`);
if (last.files !== SHAPE.files) throw new Error(`expected ${SHAPE.files} live files, the index holds ${last.files}`);
report('big_open_ms', Math.round(median(rounds.map((r) => r.openMs))), 'ms');
report('big_plan_ms', Math.round(median(rounds.map((r) => r.planMs))), 'ms');
report('big_peak_rss_mb', Math.round(Math.max(...rounds.map((r) => r.peakRssMb))), 'MB');
