/**
 * Partition transforms and values against the spec: Appendix B's hash vectors, bucket/truncate/temporal
 * results, single-value (bound) decoding, and "might match" evaluation over partitions and bounds.
 */
import { describe, expect, it } from 'vitest';
import { fileMightMatch, manifestMightMatch, type Predicate } from '../../core/formats/iceberg/expression';
import type { DataFile } from '../../core/formats/iceberg/manifests';
import type { PartitionSpec } from '../../core/formats/iceberg/metadata';
import { applyTransform, icebergHash, parseTransform } from '../../core/formats/iceberg/transforms';
import { compareValues, decimalText, fromBound, fromJsonDefault } from '../../core/formats/iceberg/values';

const days = (iso: string) => BigInt(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

describe('Appendix B: 32-bit hash requirements', () => {
  it('matches every vector of the spec', () => {
    expect(icebergHash(34n, 'int')).toBe(2017239379);
    expect(icebergHash(34n, 'long')).toBe(2017239379);
    expect(icebergHash(1420n, 'decimal(9, 2)')).toBe(-500754589); // 14.20
    expect(icebergHash(days('2017-11-16'), 'date')).toBe(-653330422);
    expect(icebergHash(BigInt((22 * 3600 + 31 * 60 + 8) * 1e6), 'time')).toBe(-662762989);
    expect(icebergHash(micros('2017-11-16T22:31:08Z'), 'timestamp')).toBe(-2047944441);
    expect(icebergHash(micros('2017-11-16T14:31:08-08:00'), 'timestamptz')).toBe(-2047944441);
    expect(icebergHash(micros('2017-11-16T22:31:08Z') + 1n, 'timestamp')).toBe(-1207196810);
    expect(icebergHash(micros('2017-11-16T22:31:08Z') * 1000n + 1001n, 'timestamp_ns')).toBe(-1207196810); // hashed as micros
    expect(icebergHash('iceberg', 'string')).toBe(1210000089);
    expect(icebergHash(Buffer.from('f79c3e09677c4bbda4793f349cb785e7', 'hex'), 'uuid')).toBe(1488055340);
    expect(icebergHash(Uint8Array.from([0, 1, 2, 3]), 'binary')).toBe(-188683207);
    expect(icebergHash(Uint8Array.from([0, 1, 2, 3]), 'fixed[4]')).toBe(-188683207);
  });

  it('bucket[N] is (hash & MAX_INT) % N; negative hashes stay in range', () => {
    expect(applyTransform(parseTransform('bucket[16]'), 34n, 'int')).toBe(3n); // the spec's worked example
    expect(applyTransform(parseTransform('bucket[4]'), 'iceberg', 'string')).toBe(BigInt((1210000089 & 0x7fffffff) % 4));
    expect(applyTransform(parseTransform('bucket[100]'), Uint8Array.from([0, 1, 2, 3]), 'binary')).toBe(BigInt((-188683207 & 0x7fffffff) % 100));
  });

  it('agrees with Spark: spark/rename_column put ids 1, 2 in bucket 0, id 3 in bucket 3, id 4 in bucket 2 (its id_bucket= folders)', () => {
    expect([1n, 2n, 3n, 4n].map((id) => applyTransform(parseTransform('bucket[4]'), id, 'int'))).toEqual([0n, 0n, 3n, 2n]);
  });
});

describe('transforms', () => {
  it('truncate[W] floors integers (negatives too), cuts strings by code point and bytes by length', () => {
    const t = parseTransform('truncate[10]');
    expect(applyTransform(t, 1n, 'int')).toBe(0n);
    expect(applyTransform(t, -1n, 'int')).toBe(-10n);
    expect(applyTransform(t, 1065n, 'decimal(9, 2)')).toBe(1060n); // 10.65 → 10.60
    expect(applyTransform(parseTransform('truncate[3]'), 'iceberg', 'string')).toBe('ice');
    expect(applyTransform(parseTransform('truncate[2]'), '🐇🐇🐇', 'string')).toBe('🐇🐇');
    expect(applyTransform(parseTransform('truncate[2]'), Uint8Array.from([1, 2, 3]), 'binary')).toEqual(Uint8Array.from([1, 2]));
  });

  it('year, month, day and hour count from 1970, flooring before it', () => {
    const ts = micros('2017-11-16T22:31:08Z');
    expect(applyTransform(parseTransform('year'), ts, 'timestamp')).toBe(47n);
    expect(applyTransform(parseTransform('month'), ts, 'timestamp')).toBe(47n * 12n + 10n);
    expect(applyTransform(parseTransform('day'), ts, 'timestamp')).toBe(days('2017-11-16'));
    expect(applyTransform(parseTransform('hour'), ts, 'timestamp')).toBe(ts / 3_600_000_000n);
    expect(applyTransform(parseTransform('month'), days('2017-11-16'), 'date')).toBe(47n * 12n + 10n);
    expect(applyTransform(parseTransform('day'), micros('1969-12-31T23:00:00Z'), 'timestamptz')).toBe(-1n);
    expect(applyTransform(parseTransform('year'), days('1969-06-01'), 'date')).toBe(-1n);
    expect(applyTransform(parseTransform('hour'), micros('2017-11-16T22:31:08Z') * 1000n, 'timestamp_ns')).toBe(ts / 3_600_000_000n);
  });

  it('void makes null; unknown transforms are kept but never evaluated', () => {
    expect(applyTransform(parseTransform('void'), 5n, 'int')).toBeNull();
    expect(parseTransform('zorder[3]')).toEqual({ kind: 'unknown', name: 'zorder[3]' });
    expect(applyTransform(parseTransform('zorder[3]'), 5n, 'int')).toBeUndefined();
  });
});

describe('values', () => {
  const le = (bytes: number[]) => Uint8Array.from(bytes);
  it('decodes the binary single-value forms', () => {
    expect(fromBound(le([0x22, 0, 0, 0]), 'int')).toBe(34n);
    expect(fromBound(le([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'long')).toBe(-2n);
    expect(fromBound(le([0x22, 0, 0, 0]), 'long')).toBe(34n); // promoted from int: old 4-byte bounds
    expect(fromBound(le([0x05, 0x8c]), 'decimal(9, 2)')).toBe(1420n);
    expect(fromBound(le([0xfa, 0x74]), 'decimal(9, 2)')).toBe(-1420n);
    expect(fromBound(Buffer.from('Thumper'), 'string')).toBe('Thumper');
    expect(fromBound(le([1]), 'boolean')).toBe(true);
  });

  it('compares strings by UTF-8 bytes (as bounds are ordered), not UTF-16 units', () => {
    expect(compareValues('\uffff', '🐇')).toBeLessThan(0); // EF BF BF < F0 9F 90 87
    expect('\uffff' < '🐇').toBe(false); // what a plain JS comparison would say
  });

  it('reads JSON initial defaults and prints decimals exactly', () => {
    expect(fromJsonDefault('2024-01-01', 'date', 'd')).toBe(days('2024-01-01'));
    expect(fromJsonDefault('14.2', 'decimal(9, 2)', 'd')).toBe(1420n);
    expect(decimalText(-5n, 2)).toBe('-0.05');
    expect(decimalText(9999999999n, 2)).toBe('99999999.99');
  });
});

describe('might-match evaluation', () => {
  const spec: PartitionSpec = {
    specId: 0,
    fields: [
      { sourceIds: [1], fieldId: 1000, name: 'id_bucket', transform: 'bucket[4]' },
      { sourceIds: [3], fieldId: 1001, name: 'day', transform: 'day' },
    ],
  };
  const types = new Map<number, string>([
    [1, 'int'],
    [2, 'string'],
    [3, 'timestamp'],
  ]);
  const file = (bucket: number, day: bigint | null, name?: [string, string]): DataFile => ({
    status: 1,
    dataSequenceNumber: 1,
    fileSequenceNumber: 1,
    content: 0,
    path: 's3://b/t/data/f.parquet',
    format: 'PARQUET',
    specId: 0,
    partition: { id_bucket: bucket, day: day === null ? null : Number(day) },
    recordCount: 10,
    fileSizeInBytes: 100,
    nullValueCounts: new Map([[2, 0]]),
    valueCounts: new Map([[2, 10]]),
    ...(name && { lowerBounds: new Map([[2, Buffer.from(name[0])]]), upperBounds: new Map([[2, Buffer.from(name[1])]]) }),
  });

  it('projects equality and IN through bucket, ranges through day, and reads string bounds', () => {
    const bucketOf34 = Number(applyTransform(parseTransform('bucket[4]'), 34n, 'int'));
    const eq34: Predicate = { op: 'eq', fieldId: 1, value: 34n };
    expect(fileMightMatch(eq34, spec, file(bucketOf34, null), types)).toBe(true);
    expect(fileMightMatch(eq34, spec, file((bucketOf34 + 1) % 4, null), types)).toBe(false);
    expect(fileMightMatch({ op: 'in', fieldId: 1, values: [34n, 35n] }, spec, file((bucketOf34 + 1) % 4, null), types)).toBe(
      Number(applyTransform(parseTransform('bucket[4]'), 35n, 'int')) === (bucketOf34 + 1) % 4,
    );
    // x > '2024-01-02T05:00' prunes a file of day 2024-01-01, keeps one of 2024-01-02.
    const after: Predicate = { op: 'gt', fieldId: 3, value: micros('2024-01-02T05:00:00Z') };
    expect(fileMightMatch(after, spec, file(0, days('2024-01-01')), types)).toBe(false);
    expect(fileMightMatch(after, spec, file(0, days('2024-01-02')), types)).toBe(true);
    expect(fileMightMatch({ op: 'isNull', fieldId: 3 }, spec, file(0, days('2024-01-02')), types)).toBe(false);
    expect(fileMightMatch({ op: 'isNull', fieldId: 3 }, spec, file(0, null), types)).toBe(true);
    expect(fileMightMatch({ op: 'eq', fieldId: 2, value: 'Mopsy' }, spec, file(0, null, ['Flopsy', 'Hazel']), types)).toBe(false);
    expect(fileMightMatch({ op: 'lt', fieldId: 2, value: 'G' }, spec, file(0, null, ['Flopsy', 'Hazel']), types)).toBe(true);
    expect(fileMightMatch({ op: 'isNull', fieldId: 2 }, spec, file(0, null, ['Flopsy', 'Hazel']), types)).toBe(false);
    const or: Predicate = { op: 'or', children: [eq34, { op: 'isNull', fieldId: 3 }] };
    expect(fileMightMatch(or, spec, file((bucketOf34 + 1) % 4, null), types)).toBe(true);
  });

  it('skips manifests by their partition summaries', () => {
    const dayBound = (iso: string) => {
      const b = Buffer.alloc(4);
      b.writeInt32LE(Number(days(iso)));
      return b;
    };
    const summaries = [
      { containsNull: false },
      { containsNull: false, lowerBound: dayBound('2024-01-01'), upperBound: dayBound('2024-01-31') },
    ];
    expect(manifestMightMatch({ op: 'gte', fieldId: 3, value: micros('2024-02-01T00:00:00Z') }, spec, summaries, types)).toBe(false);
    expect(manifestMightMatch({ op: 'lt', fieldId: 3, value: micros('2024-01-15T00:00:00Z') }, spec, summaries, types)).toBe(true);
    expect(manifestMightMatch({ op: 'isNull', fieldId: 3 }, spec, summaries, types)).toBe(false);
  });
});
