/** Metadata changes applied to the JSON as read: what changes, what stays, and the requirements a commit checks. */
import { expect, it } from 'vitest';
import { parseExactJson } from '../../core/formats/iceberg/metadata';
import { applyMetadataUpdates, stringifyMetadata, unmetRequirement, type JsonObject, type SnapshotJson } from '../../core/formats/iceberg/metadata-update';

const BIG = 9158179788527662767n;
const base = (): JsonObject =>
  parseExactJson(`{
    "format-version": 2, "table-uuid": "u-1", "location": "s3://b/t", "last-sequence-number": 3, "last-updated-ms": 1000,
    "x-unknown": {"a": [1, 2]}, "properties": {"p": "v", "write.metadata.previous-versions-max": "2"},
    "current-snapshot-id": ${BIG},
    "snapshots": [
      {"snapshot-id": 1, "sequence-number": 1, "timestamp-ms": 100, "manifest-list": "s3://b/t/metadata/a.avro", "summary": {"operation": "append"}},
      {"snapshot-id": 2, "parent-snapshot-id": 1, "sequence-number": 2, "timestamp-ms": 200, "manifest-list": "s3://b/t/metadata/b.avro", "summary": {"operation": "append"}},
      {"snapshot-id": ${BIG}, "parent-snapshot-id": 2, "sequence-number": 3, "timestamp-ms": 300, "manifest-list": "s3://b/t/metadata/c.avro", "summary": {"operation": "append"}}
    ],
    "refs": {"main": {"snapshot-id": ${BIG}, "type": "branch", "max-ref-age-ms": 5}, "old": {"snapshot-id": 1, "type": "tag"}},
    "snapshot-log": [{"timestamp-ms": 100, "snapshot-id": 1}, {"timestamp-ms": 200, "snapshot-id": 2}, {"timestamp-ms": 300, "snapshot-id": ${BIG}}],
    "metadata-log": [{"timestamp-ms": 10, "metadata-file": "s3://b/t/metadata/v1.metadata.json"}, {"timestamp-ms": 20, "metadata-file": "s3://b/t/metadata/v2.metadata.json"}]
  }`) as JsonObject;

const snapshot: SnapshotJson = { 'snapshot-id': 42n, 'parent-snapshot-id': BIG, 'sequence-number': 4, 'timestamp-ms': 2000, 'manifest-list': 's3://b/t/metadata/d.avro', summary: { operation: 'replace' } };

it('adding a snapshot on main moves main, the current snapshot, the sequence number and both logs; the rest stays', () => {
  const next = applyMetadataUpdates(base(), [{ action: 'add-snapshot', snapshot }, { action: 'set-snapshot-ref', 'ref-name': 'main', 'snapshot-id': 42n, type: 'branch' }], {
    previousMetadataFile: 's3://b/t/metadata/v3.metadata.json',
    now: 2000,
  });
  expect(next['current-snapshot-id']).toBe(42n);
  expect(next['last-sequence-number']).toBe(4);
  expect(next['last-updated-ms']).toBe(2000);
  expect(next.refs).toEqual({ main: { 'snapshot-id': 42n, type: 'branch', 'max-ref-age-ms': 5 }, old: { 'snapshot-id': 1, type: 'tag' } });
  expect((next['snapshot-log'] as JsonObject[]).at(-1)).toEqual({ 'timestamp-ms': 2000, 'snapshot-id': 42n });
  // previous-versions-max = 2: the oldest entry goes, the file committed on comes in with its time.
  expect(next['metadata-log']).toEqual([
    { 'timestamp-ms': 20, 'metadata-file': 's3://b/t/metadata/v2.metadata.json' },
    { 'timestamp-ms': 1000, 'metadata-file': 's3://b/t/metadata/v3.metadata.json' },
  ]);
  expect(next['x-unknown']).toEqual({ a: [1, 2] });
  expect(next.properties).toEqual(base().properties);
  // 64-bit ids are written back exactly, as bare integers.
  expect(stringifyMetadata(next)).toContain(`"parent-snapshot-id": ${BIG}`);
});

it('removing snapshots drops their refs and the snapshot log up to the last removed entry', () => {
  const next = applyMetadataUpdates(base(), [{ action: 'remove-snapshots', 'snapshot-ids': [1n, 2n] }], { now: 5000 });
  expect((next.snapshots as JsonObject[]).map((s) => s['snapshot-id'])).toEqual([BIG]);
  expect(Object.keys(next.refs as JsonObject)).toEqual(['main']);
  expect(next['snapshot-log']).toEqual([{ 'timestamp-ms': 300, 'snapshot-id': BIG }]);
  expect(next['metadata-log']).toEqual(base()['metadata-log']);
});

it('a snapshot whose sequence number is not above the last one is a CONFLICT', () => {
  expect(() => applyMetadataUpdates(base(), [{ action: 'add-snapshot', snapshot: { ...snapshot, 'sequence-number': 3 } }], { now: 1 })).toThrow(/sequence number 3/);
});

it('requirements: the table uuid and where a ref is', () => {
  expect(unmetRequirement(base(), [{ type: 'assert-table-uuid', uuid: 'u-1' }, { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': BIG }])).toBeUndefined();
  expect(unmetRequirement(base(), [{ type: 'assert-table-uuid', uuid: 'u-2' }])).toMatch(/uuid/);
  expect(unmetRequirement(base(), [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 2n }])).toMatch(/main is at snapshot 9158179788527662767, not 2/);
  expect(unmetRequirement(base(), [{ type: 'assert-ref-snapshot-id', ref: 'dev', 'snapshot-id': null }])).toBeUndefined();
});
