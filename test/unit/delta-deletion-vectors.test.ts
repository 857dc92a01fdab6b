/**
 * Deletion vector codecs against data written by others: PROTOCOL.md's own examples (a Z85 UUID path
 * and an inline bitmap), and bitmaps serialized by CRoaring (test/fixtures/roaring, see generate.cpp).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bitmapFromFileRange,
  deletionVectorOf,
  dvByteRange,
  dvFileBytes,
  dvLocation,
  dvUniqueId,
  uuidPathOrInlineDv,
} from '../../core/formats/delta/deletion-vector';
import { decodeRoaringBitmapArray, encodeRoaringBitmapArray } from '../../core/formats/delta/roaring';
import { z85Decode, z85Encode } from '../../core/formats/delta/z85';
import { fixture } from '../helpers/fixtures';

const roaring = (name: string) => ({
  bytes: new Uint8Array(readFileSync(fixture('roaring', `${name}.bin`))),
  positions: JSON.parse(readFileSync(fixture('roaring', `${name}.json`), 'utf8')) as number[],
});

describe('PROTOCOL.md examples', () => {
  it('a `u` DV with a random prefix names <prefix>/deletion_vector_<uuid>.bin', () => {
    const dv = deletionVectorOf({ deletionVector: { storageType: 'u', pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 4, sizeInBytes: 40, cardinality: 6 } })!;
    expect(dvLocation(dv)).toEqual({
      kind: 'file',
      path: 'ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin',
      absolute: false,
      offset: 4,
      sizeInBytes: 40,
    });
    expect(dvUniqueId(dv)).toBe('uab^-aqEH.-t@S}K{vb[*k^@4');
    expect(uuidPathOrInlineDv('d2c639aa-8816-431a-aaf6-d3fe2512ff61')).toBe('^-aqEH.-t@S}K{vb[*k^');
  });

  it('the inline DV example (in the older native layout) holds rows 3, 4, 7, 11, 18 and 29', () => {
    const dv = deletionVectorOf({ deletionVector: { storageType: 'i', pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L', sizeInBytes: 40, cardinality: 6 } })!;
    const location = dvLocation(dv);
    expect(location.kind).toBe('inline');
    expect(decodeRoaringBitmapArray((location as { bytes: Uint8Array }).bytes)).toEqual([3, 4, 7, 11, 18, 29]);
    expect(dvUniqueId(dv)).toBe('iwi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L');
  });

  it('Z85 round-trips and refuses text that is not Z85', () => {
    const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe('HelloWorld'); // the ZeroMQ spec's test vector
    expect(z85Decode('HelloWorld')).toEqual(bytes);
    expect(() => z85Decode('Hell', 'x')).toThrow(/multiple of 5/);
    expect(() => z85Decode('Hello~orld', 'x')).toThrow(/not a Z85 character/);
  });
});

describe('RoaringBitmapArray', () => {
  it.each(['array', 'bitmap', 'runs', 'buckets'])('decodes CRoaring’s %s bitmap', (name) => {
    const { bytes, positions } = roaring(name);
    expect(decodeRoaringBitmapArray(bytes)).toEqual(positions);
  });

  it('holds positions above 2^32 in several buckets (a 64-bit bitmap no real file needs)', () => {
    const { positions } = roaring('buckets');
    expect(positions.some((p) => p > 2 ** 32)).toBe(true);
    expect(new Set(positions.map((p) => Math.floor(p / 2 ** 32))).size).toBeGreaterThan(2);
    expect(decodeRoaringBitmapArray(encodeRoaringBitmapArray(positions))).toEqual(positions);
  });

  it.each(['array', 'bitmap'])('encodes %s containers byte for byte as CRoaring does', (name) => {
    const { bytes, positions } = roaring(name);
    expect(Buffer.from(encodeRoaringBitmapArray(positions))).toEqual(Buffer.from(bytes));
  });

  it('refuses a wrong magic number, a truncated bitmap and a bucket key with its top bit set', () => {
    const { bytes } = roaring('array');
    const badMagic = Uint8Array.from(bytes);
    badMagic[0] ^= 1;
    expect(() => decodeRoaringBitmapArray(badMagic, 'dv.bin')).toThrow(/magic number/);
    expect(() => decodeRoaringBitmapArray(bytes.subarray(0, bytes.length - 3), 'dv.bin')).toThrow(/truncated/);
    const highKey = Uint8Array.from(bytes);
    highKey[15] = 0x80; // the bucket key's most significant byte
    expect(() => decodeRoaringBitmapArray(highKey, 'dv.bin')).toThrow(/most significant bit/);
  });
});

describe('DV files', () => {
  const bitmap = encodeRoaringBitmapArray([1, 5, 9]);
  const other = encodeRoaringBitmapArray([0, 2 ** 20]);
  const { bytes, offsets } = dvFileBytes([other, bitmap]);
  const location = { kind: 'file' as const, path: 'x.bin', absolute: false, offset: offsets[1], sizeInBytes: bitmap.length };
  const range = dvByteRange(location);

  it('reads back the bitmap it wrote, with its version byte, size word and CRC', () => {
    expect(bytes[0]).toBe(1);
    expect(Buffer.from(bitmapFromFileRange(bytes.subarray(range.offset, range.offset + range.length), bitmap.length, 'x.bin'))).toEqual(Buffer.from(bitmap));
  });

  it('names the file when the CRC does not match or the file is truncated', () => {
    const flipped = Uint8Array.from(bytes);
    flipped[range.offset + 4 + 6] ^= 0x20; // inside this DV's bitmap, past its size word
    expect(() => bitmapFromFileRange(flipped.subarray(range.offset), bitmap.length, 's3://b/t/x.bin')).toThrow(/s3:\/\/b\/t\/x\.bin: .*CRC-32 mismatch/);
    expect(() => bitmapFromFileRange(bytes.subarray(range.offset, range.offset + 10), bitmap.length, 's3://b/t/x.bin')).toThrow(/x\.bin: .*truncated/);
  });

  it('refuses a malformed descriptor', () => {
    expect(() => deletionVectorOf({ deletionVector: { storageType: 'q', pathOrInlineDv: 'x', sizeInBytes: 1, cardinality: 1 } }, 't')).toThrow(/storageType/);
  });
});
