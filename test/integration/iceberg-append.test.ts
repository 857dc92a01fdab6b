/**
 * import into an Iceberg table (append mode; promote's write path too, see iceberg-quality.test.ts): the
 * rows are fitted to the table's schema, written in its current partition spec (one file per
 * partition) and committed by one `append` snapshot whose id is the version reported; icebird reads the
 * rows back. What an append cannot do (overwrite, merge, a partitioning of its own, a column the table
 * lacks, a required column missing) is refused by name with nothing written; a compaction committed
 * between the upload and the commit is appended on top of (appends never conflict). The CLI imports too.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { icebergRead } from 'icebird';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../core/api/api';
import { FileSystemTarget } from '../../core/formats/iceberg/commit-targets';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { appendToIcebergTable } from '../../core/ops/iceberg-append';
import { compactIcebergTable } from '../../core/ops/iceberg-compact';
import { LocalStore } from '../../core/storage/local';
import { runCli } from '../helpers/cli-process';
import { icebergTestBed } from '../helpers/iceberg-test-bed';
import { IcebergTestWriter } from '../helpers/iceberg-writer';
import { fileStates } from '../helpers/refusals';

const bed = icebergTestBed('iceberg-append');
let n = 0;

/** A table partitioned by identity(kind), with a required id: two rows of kind a in one file. */
async function table(): Promise<{ dir: string; url: string }> {
  const name = `t${n++}`;
  const dir = path.join(bed.dir, name);
  const writer = new IcebergTestWriter(dir, bed.conn, {
    location: `${bed.url}/${name}`,
    fields: [
      { id: 1, name: 'id', type: 'long', required: true },
      { id: 2, name: 'kind', type: 'string' },
      { id: 3, name: 'score', type: 'double' },
    ],
    partitionFields: [{ sourceId: 2, fieldId: 1000, name: 'kind', transform: 'identity', avroType: 'string' }],
  });
  await writer.commit({ add: [{ sql: `SELECT * FROM (VALUES (1::BIGINT, 'a', 0.5::DOUBLE), (2, 'a', 1.5)) t(id, kind, score)`, partition: { kind: 'a' } }] });
  return { dir, url: `${bed.url}/${name}` };
}

async function csv(name: string, text: string): Promise<string> {
  const file = path.join(bed.dir, name);
  await writeFile(file, text);
  return file;
}

/** Rows through icebird as sorted `id/kind/score` texts. */
async function icebirdRows(url: string): Promise<string[]> {
  const rows = (await icebergRead({ tableUrl: url })) as Record<string, unknown>[];
  return rows.map((r) => `${String(r.id)}/${String(r.kind)}/${String(r.score)}`).sort();
}

describe('import into an Iceberg table', () => {
  it('appends by one append snapshot, one file per partition, columns fitted by name (a missing optional one is null)', async () => {
    const { dir, url } = await table();
    const api = createApi({ catalogPath: path.join(bed.dir, `catalog-${n}.sqlite`), cacheDir: path.join(bed.dir, `cache-${n}`) });
    try {
      const input = await csv('rows.csv', 'kind,id\nb,10\nc,11\nb,12\n');
      const result = await api.importFiles({ location: dir, inputs: [input] });
      const after = await IcebergTable.open(new LocalStore(dir));
      expect(result).toMatchObject({ version: after.metadata.currentSnapshotId, rowsWritten: 3, filesWritten: 2, created: false });
      expect(after.snapshot()!.operation).toBe('append');
      const files = await after.files(after.snapshot());
      expect(files.map((f) => [f.partition.kind, f.recordCount]).sort()).toEqual([
        ['a', 2],
        ['b', 2],
        ['c', 1],
      ]);
      expect(await icebirdRows(url)).toEqual(['1/a/0.5', '10/b/null', '11/c/null', '12/b/null', '2/a/1.5']);
    } finally {
      await api.close();
    }
  });

  it('refuses what an append cannot do, by name, writing nothing', async () => {
    const { dir } = await table();
    const api = createApi({ catalogPath: path.join(bed.dir, `catalog-${n}.sqlite`), cacheDir: path.join(bed.dir, `cache-${n}`) });
    try {
      const before = await fileStates(dir);
      const good = await csv('good.csv', 'id,kind\n5,a\n');
      await expect(api.importFiles({ location: dir, inputs: [good], mode: 'overwrite' })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/--mode overwrite is not supported when importing into an Iceberg table/) });
      await expect(api.importFiles({ location: dir, inputs: [good], mode: 'merge', key: ['id'] })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(api.importFiles({ location: dir, inputs: [good], partitionBy: ['kind'] })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/keeps its own partition spec/) });
      const extra = await csv('extra.csv', 'id,kind,colour\n5,a,red\n');
      await expect(api.importFiles({ location: dir, inputs: [extra] })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/input column colour is not in the Iceberg table's schema \(id, kind, score\)/) });
      const noId = await csv('no-id.csv', 'kind\na\n');
      await expect(api.importFiles({ location: dir, inputs: [noId] })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/no column id, which the table requires/) });
      expect(await fileStates(dir)).toEqual(before);
    } finally {
      await api.close();
    }
  });

  it('a compaction committed between the upload and the commit: the append lands on top of it, nothing lost', async () => {
    const { dir, url } = await table();
    const store = new LocalStore(dir);
    const input = await csv('race.csv', 'id,kind,score\n20,a,2.0\n');
    // A second small file in partition a, so the compaction has two to merge.
    await appendToIcebergTable(new FileSystemTarget(store), { inputs: [await csv('second.csv', 'id,kind\n3,a\n')] });
    let compacted = '';
    await appendToIcebergTable(new FileSystemTarget(store), {
      inputs: [input],
      beforeCommit: async () => {
        compacted = (await compactIcebergTable(new FileSystemTarget(store), { targetSize: 1 << 30, minFiles: 2 })).snapshotId!;
      },
    });
    const after = await IcebergTable.open(store);
    expect(after.snapshot()!.parentId).toBe(compacted);
    expect(await icebirdRows(url)).toEqual(['1/a/0.5', '2/a/1.5', '20/a/2', '3/a/null']);
  });

  it('through the CLI', async () => {
    const { dir, url } = await table();
    const input = await csv('cli.csv', 'id,kind\n30,d\n');
    const run = await runCli(['import', dir, input, '--json'], { LAKEBENCH_HOME: path.join(bed.dir, 'cli-home') });
    expect(run.code, run.stderr).toBe(0);
    const after = await IcebergTable.open(new LocalStore(dir));
    expect(JSON.parse(run.stdout)).toMatchObject({ version: after.metadata.currentSnapshotId, rowsWritten: 1 });
    expect(await icebirdRows(url)).toEqual(['1/a/0.5', '2/a/1.5', '30/d/null']);
  });
});
