/**
 * verify on Iceberg tables: the fixtures are clean; on written tables each kind of damage is reported
 * naming its object (a missing data file, a size that differs from the manifest's, an unreadable
 * manifest, a deletion vector failing its CRC, pages that only --deep decoding catches), and nothing
 * under the table is written.
 */
import { appendFile, cp, open, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IcebergTable } from '../../core/formats/iceberg/table';
import { verifyIcebergTable } from '../../core/ops/verify/iceberg-table';
import { LocalStore } from '../../core/storage/local';
import { fixture } from '../helpers/fixtures';
import { icebergTestBed } from '../helpers/iceberg-test-bed';
import { avroBytes, IcebergTestWriter, MANIFEST_FILE_SCHEMA } from '../helpers/iceberg-writer';
import { readAvroFile } from '../../core/formats/iceberg/avro';

const bed = icebergTestBed('iceberg-verify');
let n = 0;

/** A v3 table of two data files, a position delete file and a deletion vector. */
async function table(): Promise<IcebergTestWriter> {
  const w = new IcebergTestWriter(path.join(bed.dir, `t${n++}`), bed.conn, {
    formatVersion: 3,
    fields: [
      { id: 1, name: 'id', type: 'long' },
      { id: 2, name: 'note', type: 'string' },
    ],
  });
  await w.commit({ add: [{ sql: `SELECT range AS id, repeat('x', 50) || range AS note FROM range(5000)` }] });
  await w.commit({ add: [{ sql: `SELECT range AS id, 'y' AS note FROM range(10)` }] });
  const [first] = w.files();
  await w.commit({ operation: 'delete', positionDeletes: [{ rows: [{ path: first!.path, pos: 1 }] }], deletionVectors: [{ dataFile: first!.path, positions: [2, 3] }] });
  return w;
}

const keyOf = (w: IcebergTestWriter, recorded: string) => path.join(w.dir, recorded.slice(w.location.length + 1));

describe('verify (Iceberg)', () => {
  it('finds no problem in the fixture tables, checking every data and delete file of every retained snapshot', async () => {
    // spark/bunnies: v5 rewrote every row into a new file; v2's file and v3's delete file are still read at those snapshots.
    for (const [name, files] of [['java/bunnies', 4], ['spark/bunnies', 3], ['spark/rename_column', 3], ['athena/example', 1]] as const) {
      const report = await verifyIcebergTable(new LocalStore(fixture('iceberg', name)), { deep: true });
      expect(report.problems, name).toEqual([]);
      expect(report.checked.files, name).toBe(files);
    }
  });

  it('reports a missing file, a size mismatch, an unreadable manifest and a bad deletion vector, by object', async () => {
    const w = await table();
    const before = await readdir(w.dir, { recursive: true });
    const clean = await verifyIcebergTable(new LocalStore(w.dir));
    expect(clean.problems).toEqual([]);
    expect(clean.checked.files).toBe(3);

    const [big, small, deletes] = w.files();
    await unlink(keyOf(w, small!.path));
    await appendFile(keyOf(w, deletes!.path), 'trailing');
    // The manifest of the first snapshot only (the writer writes fresh manifests per commit): history breaks, the current state does not.
    const opened = await IcebergTable.open(new LocalStore(w.dir));
    const oldest = opened.metadata.snapshots[0]!;
    const manifest = path.basename((await opened.manifests(oldest))[0]!.path);
    await writeFile(path.join(w.dir, 'metadata', manifest), 'not avro');
    const puffin = w.files().find((f) => f.format === 'PUFFIN')!;
    const handle = await open(keyOf(w, puffin.path), 'r+');
    await handle.write(Buffer.from([0xff]), 0, 1, puffin.contentOffset! + puffin.contentSize! - 1);
    await handle.close();

    const report = await verifyIcebergTable(new LocalStore(w.dir));
    const byKind = (kind: string) => report.problems.filter((p) => p.kind === kind).map((p) => p.object);
    expect(byKind('missing-file')).toEqual([keyOf(w, small!.path)]);
    expect(byKind('size-mismatch')).toEqual([keyOf(w, deletes!.path)]);
    expect(byKind('log-unparsable')).toEqual([path.join(w.dir, 'metadata', manifest)]);
    expect(byKind('decode-error')).toEqual([keyOf(w, puffin.path)]);
    expect(report.problems.find((p) => p.kind === 'decode-error')!.detail).toMatch(/CRC-32/);
    void big;
    // Nothing was added or removed by verify.
    expect((await readdir(w.dir, { recursive: true })).sort()).toEqual(before.filter((f) => !f.endsWith(path.basename(small!.path))).sort());
  });

  it('cross-checks a corrupted copy of a fixture: a snapshot summary whose counts disagree with its manifests is named with both counts', async () => {
    const copy = path.join(bed.dir, `bunnies-${n++}`);
    await cp(fixture('iceberg', 'java', 'bunnies'), copy, { recursive: true });
    const file = path.join(copy, 'metadata', 'v5.metadata.json');
    const text = await readFile(file, 'utf8');
    // The last snapshot (an overwrite) added one record and holds 22 in its data files.
    await writeFile(file, text.replace('"added-records" : "1"', '"added-records" : "3"').replace('"total-records" : "22"', '"total-records" : "20"'));
    const report = await verifyIcebergTable(new LocalStore(copy));
    expect(report.problems).toEqual([
      {
        object: new LocalStore(copy).urlOf('metadata/v5.metadata.json'),
        kind: 'summary-mismatch',
        detail: 'snapshot 9158179788527662767: the summary records added-records = 3 (its manifests: 1), total-records = 20 (its manifests: 22)',
      },
    ]);
  });

  it('cross-checks manifest list counts against the manifest: a wrong added-files and rows count is named with the manifest', async () => {
    const w = await table();
    const store = new LocalStore(w.dir);
    const opened = await IcebergTable.open(store);
    const current = opened.snapshot()!;
    const listKey = opened.paths.keyOf(current.manifestList!);
    const { records, meta } = readAvroFile(await readFile(path.join(w.dir, listKey)), listKey);
    const first = records[0] as Record<string, unknown>;
    records[0] = { ...first, added_files_count: Number(first.added_files_count) + 2, existing_rows_count: BigInt(first.existing_rows_count as bigint) + 7n };
    await writeFile(path.join(w.dir, listKey), await avroBytes(MANIFEST_FILE_SCHEMA, records, { 'format-version': meta['format-version']!, 'snapshot-id': meta['snapshot-id']! }));

    const report = await verifyIcebergTable(store);
    const manifest = store.urlOf(opened.paths.keyOf(String(first.manifest_path)));
    expect(report.problems).toEqual([
      expect.objectContaining({ object: manifest, kind: 'manifest-count-mismatch', detail: expect.stringMatching(new RegExp(`snapshot ${current.id} records added files \\d+ \\(the manifest holds \\d+\\), existing rows \\d+ \\(the manifest holds \\d+\\)`)) }),
    ]);
  });

  it("reports a file only an older snapshot still reads (time travel to it would fail), not only the current snapshot's", async () => {
    const w = await table();
    const [, small] = w.files();
    await w.commit({ operation: 'overwrite', remove: [small!.path], add: [{ sql: `SELECT 99 AS id, 'z' AS note` }] });
    expect((await verifyIcebergTable(new LocalStore(w.dir))).problems).toEqual([]);
    await unlink(keyOf(w, small!.path));
    const report = await verifyIcebergTable(new LocalStore(w.dir));
    expect(report.problems.map((p) => [p.kind, p.object])).toEqual([['missing-file', keyOf(w, small!.path)]]);
  });

  it('--deep catches damaged pages whose file keeps its size and footer', async () => {
    const w = await table();
    const [big] = w.files();
    const file = keyOf(w, big!.path);
    const size = (await stat(file)).size;
    const handle = await open(file, 'r+');
    await handle.write(Buffer.alloc(64, 0xaa), 0, 64, Math.floor(size / 3));
    await handle.close();
    expect((await verifyIcebergTable(new LocalStore(w.dir))).problems).toEqual([]);
    const deep = await verifyIcebergTable(new LocalStore(w.dir), { deep: true });
    expect(deep.problems.map((p) => [p.object, p.kind])).toEqual([[file, 'decode-error']]);
  });
});
