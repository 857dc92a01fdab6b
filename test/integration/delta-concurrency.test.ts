/**
 * Two writer processes append to one Delta table at the same time. Put-if-absent plus the commit
 * retry loop must leave a contiguous log in which no commit is lost — on a local folder (exclusive
 * link) and on S3 (If-None-Match: *, enforced by the test server's proxy).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StructType } from '../../core/formats/delta/actions';
import { commit } from '../../core/formats/delta/commit';
import { newTableActions } from '../../core/formats/delta/create';
import { commitKey } from '../../core/formats/delta/log-files';
import { parseCommit } from '../../core/formats/delta/parse';
import { DeltaTable } from '../../core/formats/delta/table';
import { openLocation } from '../../core/storage/location';
import type { ObjectStore } from '../../core/storage/types';
import { startS3Server, type S3TestServer } from '../helpers/s3server';

const ROOT = path.resolve(__dirname, '../..');
const WORKER = path.join(ROOT, 'test/helpers/delta-append-worker.ts');
const COMMITS_PER_WRITER = 50;
const SCHEMA: StructType = {
  type: 'struct',
  fields: [
    { name: 'writer', type: 'string', nullable: false, metadata: {} },
    { name: 'seq', type: 'long', nullable: false, metadata: {} },
  ],
};

interface WorkerRun {
  commits: { version: number; retries: number }[];
  stderr: string;
  code: number | null;
}

function runWorker(location: string, writer: string, env: Record<string, string> = {}): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, location, String(COMMITS_PER_WRITER), writer], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const commits = stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as WorkerRun['commits'][number]);
      resolve({ commits, stderr, code });
    });
  });
}

/** Creates the table, runs two writers at once, and checks the log and the table they leave. */
async function twoWritersAppend(store: ObjectStore, location: string, env?: Record<string, string>): Promise<void> {
  await commit(store, {
    actions: newTableActions({ schema: SCHEMA, partitionColumns: [] }),
    readVersion: -1,
    operation: 'CREATE TABLE',
    isBlindAppend: false,
  });
  const runs = await Promise.all([runWorker(location, 'alpha', env), runWorker(location, 'beta', env)]);
  for (const run of runs) {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr, 'a checkpoint failed').not.toMatch(/checkpoint/);
    expect(run.commits).toHaveLength(COMMITS_PER_WRITER);
  }

  // Every version 1..100 was claimed by exactly one commit of exactly one writer.
  const claimed = runs.flatMap((run) => run.commits.map((c) => c.version)).sort((a, b) => a - b);
  expect(claimed).toEqual(Array.from({ length: 2 * COMMITS_PER_WRITER }, (_, i) => i + 1));

  // The log holds versions 0..100 without a gap; each later entry is one add.
  const versions: number[] = [];
  for await (const object of store.listAll('_delta_log/')) {
    if (/^_delta_log\/\d{20}\.json$/.test(object.key)) versions.push(Number(object.key.slice(11, 31)));
  }
  expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: 2 * COMMITS_PER_WRITER + 1 }, (_, i) => i));
  const v57 = parseCommit(await store.get(commitKey(57)), store.urlOf(commitKey(57)));
  expect(v57.filter((a) => 'add' in a)).toHaveLength(1);

  const snapshot = await (await DeltaTable.open(store)).snapshot();
  expect(snapshot.version).toBe(2 * COMMITS_PER_WRITER);
  expect(snapshot.files).toHaveLength(2 * COMMITS_PER_WRITER);
  for (const writer of ['alpha', 'beta']) {
    const seqs = snapshot.files
      .map((add) => JSON.parse(add.stats ?? '{}') as { minValues: { writer: string; seq: number } })
      .filter((stats) => stats.minValues.writer === writer)
      .map((stats) => stats.minValues.seq)
      .sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: COMMITS_PER_WRITER }, (_, i) => i));
  }
}

describe('two processes appending to one table', () => {
  it('local folder: versions 0..100 contiguous, all 100 adds live, the data readable', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-delta-concurrency-'));
    try {
      const store = openLocation(dir);
      await twoWritersAppend(store, dir);
      // The checkpoints written along the way (v10, v20 … v100) are real: the last one is the table.
      const hint = JSON.parse(new TextDecoder().decode(await store.get('_delta_log/_last_checkpoint')));
      expect(hint).toMatchObject({ version: 100, numOfAddFiles: 100 });
      const snapshot = await (await DeltaTable.open(store)).snapshot();
      const files = snapshot.files.map((add) => `'${path.join(dir, decodeURIComponent(add.path))}'`);
      const duck = await DuckDBInstance.create(':memory:');
      const sql = await duck.connect();
      try {
        const rows = (await sql.runAndReadAll(`SELECT writer, count(DISTINCT seq) AS n FROM read_parquet([${files.join(',')}]) GROUP BY writer ORDER BY writer`)).getRowObjectsJson();
        expect(rows).toEqual([
          { writer: 'alpha', n: String(COMMITS_PER_WRITER) },
          { writer: 'beta', n: String(COMMITS_PER_WRITER) },
        ]);
      } finally {
        sql.closeSync();
        duck.closeSync();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('S3 with conditional writes', () => {
    let server: S3TestServer;
    const savedEnv = { ...process.env };
    beforeAll(async () => {
      server = await startS3Server({ conditionalWrites: true });
      await server.createBucket('lake');
      Object.assign(process.env, server.env); // openLocation takes endpoint and credentials from AWS_*
    });
    afterAll(async () => {
      for (const key of Object.keys(server?.env ?? {})) {
        if (savedEnv[key] === undefined) delete process.env[key];
        else process.env[key] = savedEnv[key];
      }
      await server?.stop();
    });

    it('versions 0..100 contiguous, all 100 adds live', async () => {
      const location = 's3://lake/tables/events';
      await twoWritersAppend(openLocation(location), location, server.env);
    });
  });
});
