/**
 * Table metadata parsing (v1 forms, exact 64-bit ids, gzip, errors naming the file), snapshot
 * selection and suffixes, recorded-path resolution, and deletion-vector decoding (array, bitmap and
 * run containers, CRC and magic checks).
 */
import { crc32, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readDeletionVector } from '../../core/formats/iceberg/deletion-vector';
import { parseTableMetadata } from '../../core/formats/iceberg/metadata';
import { canonicalLocation, PathResolver } from '../../core/formats/iceberg/paths';
import { parseSnapshotSuffix, selectSnapshot } from '../../core/formats/iceberg/snapshots';
import { deletionVectorBlob } from '../helpers/iceberg-writer';

const OBJECT = 'mem://t/metadata/v1.metadata.json';
const bytes = (text: string) => new TextEncoder().encode(text);

const v1 = `{
  "format-version": 1, "table-uuid": "u", "location": "s3a://bucket/db/t/", "last-updated-ms": 5,
  "schema": {"type": "struct", "fields": [{"id": 1, "name": "id", "required": true, "type": "long"}]},
  "partition-spec": [{"name": "id_bucket", "transform": "bucket[8]", "source-id": 1}],
  "properties": {"k": 1},
  "current-snapshot-id": 9158179788527662767,
  "snapshots": [
    {"snapshot-id": 4951213507629824583, "timestamp-ms": 1000, "manifests": ["s3a://bucket/db/t/metadata/m1.avro"], "summary": {"operation": "append"}},
    {"snapshot-id": 9158179788527662767, "parent-snapshot-id": 4951213507629824583, "timestamp-ms": 2000, "manifest-list": "s3a://bucket/db/t/metadata/snap-2.avro"}
  ],
  "snapshot-log": [{"timestamp-ms": 1000, "snapshot-id": 4951213507629824583}, {"timestamp-ms": 2000, "snapshot-id": 9158179788527662767}]
}`;

describe('table metadata', () => {
  it('reads v1 forms into the v2 shape with exact 64-bit ids, gzip or not', () => {
    for (const data of [bytes(v1), gzipSync(v1)]) {
      const metadata = parseTableMetadata(data, OBJECT);
      expect(metadata.formatVersion).toBe(1);
      expect(metadata.location).toBe('s3a://bucket/db/t');
      expect(metadata.schemas[0]!['schema-id']).toBe(0);
      expect(metadata.specs).toEqual([{ specId: 0, fields: [{ sourceIds: [1], fieldId: 1000, name: 'id_bucket', transform: 'bucket[8]' }] }]);
      expect(metadata.currentSnapshotId).toBe('9158179788527662767');
      expect(metadata.snapshots.map((s) => s.id)).toEqual(['4951213507629824583', '9158179788527662767']);
      expect(metadata.snapshots[0]!.manifests).toEqual(['s3a://bucket/db/t/metadata/m1.avro']);
      expect(metadata.snapshots[1]!.parentId).toBe('4951213507629824583');
      expect(metadata.refs.main).toEqual({ snapshotId: '9158179788527662767', type: 'branch' });
      expect(metadata.properties).toEqual({ k: '1' });
    }
  });

  it('names the file and the problem when metadata is unreadable', () => {
    expect(() => parseTableMetadata(bytes('{"format-version": 2'), OBJECT)).toThrow(/mem:\/\/t\/metadata\/v1.metadata.json: table metadata is not valid JSON/);
    expect(() => parseTableMetadata(bytes('{"format-version": 4, "location": "x"}'), OBJECT)).toThrow(/format version 4 is not supported/);
    expect(() => parseTableMetadata(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), OBJECT)).toThrow(/gzip-compressed metadata does not decompress/);
    const dangling = v1.replace('"current-snapshot-id": 9158179788527662767', '"current-snapshot-id": 42');
    expect(() => parseTableMetadata(bytes(dangling), OBJECT)).toThrow(/current-snapshot-id 42 names no snapshot/);
  });

  it('selects snapshots by id, time (snapshot log), tag and branch; suffixes parse by shape', () => {
    const metadata = parseTableMetadata(bytes(v1), OBJECT);
    expect(selectSnapshot(metadata, { kind: 'current' }, OBJECT)!.id).toBe('9158179788527662767');
    expect(selectSnapshot(metadata, { kind: 'time', asOf: new Date(1500) }, OBJECT)!.id).toBe('4951213507629824583');
    expect(selectSnapshot(metadata, { kind: 'time', asOf: new Date(2000) }, OBJECT)!.id).toBe('9158179788527662767');
    expect(() => selectSnapshot(metadata, { kind: 'time', asOf: new Date(999) }, OBJECT)).toThrow(/before the table's first snapshot/);
    expect(selectSnapshot(metadata, { kind: 'branch', name: 'main' }, OBJECT)!.id).toBe('9158179788527662767');
    expect(() => selectSnapshot(metadata, { kind: 'tag', name: 'main' }, OBJECT)).toThrow(/no tag named main/);
    expect(parseSnapshotSuffix('9158179788527662767')).toEqual({ kind: 'id', id: '9158179788527662767' });
    expect(parseSnapshotSuffix('tag:v1.0')).toEqual({ kind: 'tag', name: 'v1.0' });
    expect(parseSnapshotSuffix('branch:audit')).toEqual({ kind: 'branch', name: 'audit' });
    expect(parseSnapshotSuffix('2024-01-02T03:04:05Z')).toEqual({ kind: 'time', asOf: new Date('2024-01-02T03:04:05Z') });
    expect(() => parseSnapshotSuffix('yesterday')).toThrow(/not an Iceberg snapshot/);
  });
});

describe('recorded paths', () => {
  it('resolve against the recorded roots whatever their scheme spelling, else by the table folders', () => {
    const metadata = parseTableMetadata(bytes(v1), OBJECT);
    const paths = new PathResolver(metadata, '/local/t');
    expect(paths.keyOf('s3a://bucket/db/t/data/a=1/f.parquet')).toBe('data/a=1/f.parquet');
    expect(paths.keyOf('s3://bucket/db/t/data/f%20g.parquet')).toBe('data/f g.parquet');
    // Written at another root, which the metadata shows nowhere: the table's own folders anchor it.
    expect(paths.keyOf('hdfs://nn/warehouse/t/data/f.parquet')).toBe('data/f.parquet');
    expect(() => paths.keyOf('s3://elsewhere/x.parquet')).toThrow(/lies outside the table/);
    expect(canonicalLocation('file:///tmp/t/')).toBe('/tmp/t');
    expect(canonicalLocation('file:/tmp/t')).toBe('/tmp/t');
  });
});

describe('deletion vectors', () => {
  it('decode array containers across 16- and 32-bit boundaries into ranges', () => {
    const positions = [0, 1, 2, 10, 65535, 65536, 2 ** 32 + 7];
    expect(readDeletionVector(deletionVectorBlob(positions), 'dv')).toEqual([
      [0, 2],
      [10, 10],
      [65535, 65536],
      [2 ** 32 + 7, 2 ** 32 + 7],
    ]);
  });

  it('decode run and bitmap containers', () => {
    // One 32-bit bitmap with two containers: key 0 a run container [5..1004], key 1 a bitmap of the even values.
    const run = Buffer.alloc(2 + 4);
    run.writeUInt16LE(1, 0);
    run.writeUInt16LE(5, 2);
    run.writeUInt16LE(999, 4);
    const bitmap = Buffer.alloc(8192);
    for (let v = 0; v < 65536; v += 2) bitmap[v >> 3]! |= 1 << (v & 7);
    const header = Buffer.alloc(4 + 1 + 8 + 8);
    header.writeUInt32LE(12347 | ((2 - 1) << 16), 0); // run cookie, 2 containers
    header[4] = 0b01; // container 0 is a run container
    header.writeUInt16LE(0, 5);
    header.writeUInt16LE(999, 7);
    header.writeUInt16LE(1, 9);
    header.writeUInt16LE(32767, 11);
    // Fewer than 4 containers with a run cookie: no offset header.
    const roaring32 = Buffer.concat([header.subarray(0, 13), run, bitmap]);
    const count = Buffer.alloc(12);
    count.writeBigUInt64LE(1n, 0);
    count.writeUInt32LE(0, 8);
    const body = Buffer.concat([Buffer.from([0xd1, 0xd3, 0x39, 0x64]), count, roaring32]);
    const blob = Buffer.concat([Buffer.alloc(4), body, Buffer.alloc(4)]);
    blob.writeUInt32BE(body.length, 0);
    blob.writeUInt32BE(crc32(body), blob.length - 4);
    const ranges = readDeletionVector(blob, 'dv');
    expect(ranges[0]).toEqual([5, 1004]);
    expect(ranges.slice(1)).toHaveLength(32768);
    expect(ranges[1]).toEqual([65536, 65536]);
    expect(ranges.at(-1)).toEqual([131070, 131070]);
  });

  it('refuses a blob with a wrong CRC or magic, naming it', () => {
    const blob = deletionVectorBlob([1, 2, 3]);
    const badCrc = Buffer.from(blob);
    badCrc[badCrc.length - 1]! ^= 1;
    expect(() => readDeletionVector(badCrc, 's3://b/t/data/x.puffin')).toThrow(/x.puffin: deletion vector fails its CRC-32 check/);
    const badMagic = Buffer.from(blob);
    badMagic[4] = 0;
    expect(() => readDeletionVector(badMagic, 'dv')).toThrow(/lacks the magic bytes/);
  });
});
