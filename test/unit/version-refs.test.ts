/**
 * Version texts (`@5`, `@<HLC>`, `@<snapshot id>`, `@<ISO time>`, `@tag:x`, `@branch:x`) are read by the
 * table's format: the same 19 digits are a LakeSync HLC, an Iceberg snapshot id kept exactly, and
 * no Delta version at all. A way of travelling the format does not offer is refused by name.
 */
import { describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { deltaFormat } from '../../core/formats/delta/plugin';
import { desFormat } from '../../core/formats/des/plugin';
import { icebergFormat } from '../../core/formats/iceberg/plugin';
import { lakeSyncFormat } from '../../core/formats/lakesync/plugin';
import { parquetFolderFormat } from '../../core/formats/parquet/plugin';
import type { TableFormat } from '../../core/formats/table-format';
import { versionRefOf, versionRefText } from '../../core/formats/version-ref';

const OBJECT = '/lake/t';
const at = (format: TableFormat, version: string) => versionRefOf(format, { version }, OBJECT);

/** The USAGE message a version text gets, or undefined when it is taken. */
function refusal(format: TableFormat, spec: { version?: string; asOf?: string }): string | undefined {
  try {
    versionRefOf(format, spec, OBJECT);
    return undefined;
  } catch (e) {
    expect(isLakebenchError(e, 'USAGE')).toBe(true);
    return (e as Error).message;
  }
}

const HLC = '7441012341234567890'; // 19 digits, beyond 2^53

describe('version refs', () => {
  it('Delta reads @<digits> as a version number and travels by time, not by tag or branch', () => {
    expect(at(deltaFormat, '5')).toEqual({ kind: 'id', id: '5' });
    expect(at(deltaFormat, '007')).toEqual({ kind: 'id', id: '7' });
    expect(versionRefOf(deltaFormat, { asOf: '2026-11-20T10:00:00+02:00' }, OBJECT)).toEqual({ kind: 'time', at: '2026-11-20T08:00:00.000Z' });
    expect(at(deltaFormat, '2026-11-20')).toEqual({ kind: 'time', at: '2026-11-20T00:00:00.000Z' });
    for (const bad of ['-1', '1.5', 'two', HLC]) expect(refusal(deltaFormat, { version: bad }), bad).toContain('whole number');
    expect(refusal(deltaFormat, { version: 'tag:nightly' })).toContain('@tag:nightly: Delta tables cannot be read at a tag; they travel by version or time');
    expect(refusal(deltaFormat, { version: 'branch:main' })).toContain('cannot be read at a branch');
    expect(refusal(deltaFormat, { version: '1', asOf: '2026-01-01' })).toContain('not both');
  });

  it('LakeSync reads @<16–19 digits> as an HLC, every digit kept, and refuses a short number', () => {
    expect(at(lakeSyncFormat, HLC)).toEqual({ kind: 'id', id: HLC });
    expect(at(lakeSyncFormat, '2026-11-23T10:00:00.035Z')).toEqual({ kind: 'time', at: '2026-11-23T10:00:00.035Z' });
    expect(refusal(lakeSyncFormat, { version: '5' })).toContain('@5: a LakeSync bucket travels by HLC (16–19 digits) or ISO time');
    expect(refusal(lakeSyncFormat, { version: '99999999999999999999' })).toContain('HLC');
    expect(refusal(lakeSyncFormat, { version: 'tag:x' })).toContain('LakeSync buckets cannot be read at a tag');
  });

  it('Iceberg reads @<digits> as a snapshot id (signed 64 bits, every digit kept) and takes times, tags and branches', () => {
    expect(at(icebergFormat, HLC)).toEqual({ kind: 'id', id: HLC });
    expect(at(icebergFormat, '-4242424242424242424')).toEqual({ kind: 'id', id: '-4242424242424242424' });
    expect(at(icebergFormat, '0042')).toEqual({ kind: 'id', id: '42' });
    expect(at(icebergFormat, 'tag:nightly')).toEqual({ kind: 'tag', name: 'nightly' });
    expect(at(icebergFormat, 'branch:audit')).toEqual({ kind: 'branch', name: 'audit' });
    expect(at(icebergFormat, '2026-11-20T10:00:00Z')).toEqual({ kind: 'time', at: '2026-11-20T10:00:00.000Z' });
    for (const bad of ['9223372036854775808', '1.5', 'nightly']) {
      expect(refusal(icebergFormat, { version: bad }), bad).toContain(`@${bad}: an Iceberg table is read at a snapshot id, an ISO time, tag:<name> or branch:<name>`);
    }
  });

  it('Iceberg tells a metadata file named as a location: its table and the file, by text alone', () => {
    expect(icebergFormat.tableFile!('/lake/t/metadata/v3.metadata.json')).toEqual({ table: '/lake/t', key: 'metadata/v3.metadata.json' });
    expect(icebergFormat.tableFile!('s3://b/wh/t/metadata/00002-1f0e5b8a-0000-4000-8000-000000000001.gz.metadata.json')).toEqual({
      table: 's3://b/wh/t',
      key: 'metadata/00002-1f0e5b8a-0000-4000-8000-000000000001.gz.metadata.json',
    });
    for (const other of ['/lake/t', '/lake/t/metadata', '/lake/t/metadata/snap-1.avro', '/lake/t/metadata/v3.metadata.json/x', 'metadata/v1.metadata.json']) {
      expect(icebergFormat.tableFile!(other), other).toBeUndefined();
    }
  });

  it('formats without versions refuse any, saying they have none; no version is the latest', () => {
    for (const format of [parquetFolderFormat, desFormat]) {
      expect(refusal(format, { version: '3' })).toContain(`@3: ${format.title} cannot be read at a version; they have no versions`);
      expect(refusal(format, { asOf: '2026-01-01' })).toContain('cannot be read at a time');
      expect(versionRefOf(format, {}, OBJECT)).toEqual({ kind: 'latest' });
    }
  });

  it('writes a ref back as the text it was read from', () => {
    for (const text of ['5', HLC, 'tag:nightly', 'branch:audit', '2026-11-20T08:00:00.000Z']) {
      expect(versionRefText(at(icebergFormat, text))).toBe(text);
    }
    expect(versionRefText({ kind: 'latest' })).toBeUndefined();
  });
});
