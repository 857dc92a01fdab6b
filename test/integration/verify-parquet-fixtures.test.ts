/**
 * verify on apache/parquet-testing files: every file in bad/ is flagged with what is wrong, every file in
 * good/ passes, also with --deep (DuckDB and parquet-wasm decode each page, page CRCs are compared).
 * The fixtures are read-only and verify only reads, so they are verified in place.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyLocation } from '../../core/ops/verify/verify';
import { LocalStore } from '../../core/storage/local';
import { fixture } from '../helpers/fixtures';

const PARQUET_TESTING = fixture('parquet-testing');
const good = new LocalStore(join(PARQUET_TESTING, 'good'));
const bad = new LocalStore(join(PARQUET_TESTING, 'bad'));
const namesIn = (dir: string) => readdirSync(join(PARQUET_TESTING, dir)).filter((name) => name.endsWith('.parquet'));

/** What each bad file is flagged for (README of the fixtures says what is wrong with it). */
const BAD_FILES: Record<string, { deep: string; shallow?: string }> = {
  'PARQUET-1481.parquet': { shallow: 'bad-footer', deep: 'bad-footer' }, // corrupted schema Thrift value
  'ARROW-RS-GH-6229-DICTHEADER.parquet': { shallow: 'bad-footer', deep: 'bad-footer' }, // its last column chunk runs past the end of the file
  'ARROW-GH-47662.parquet': { deep: 'decode-error' }, // a REQUIRED column holding nulls: only decoding finds it
  'datapage_v1-corrupt-checksum.parquet': { deep: 'page-crc-mismatch' }, // decoders read it happily; only the CRC tells
};

describe('verify on parquet-testing files', () => {
  it('knows every bad file', () => {
    expect(namesIn('bad').sort()).toEqual(Object.keys(BAD_FILES).sort());
  });

  it.each(Object.entries(BAD_FILES))('flags bad/%s', async (name, expected) => {
    const deep = await verifyLocation(bad, { file: name, deep: true });
    expect(deep.problems.map((p) => [p.kind, p.object])).toEqual([[expected.deep, bad.urlOf(name)]]);
    expect(deep.problems[0]!.detail).not.toBe('');
    expect(deep).toMatchObject({ location: bad.urlOf(name), checked: { files: 1 }, corruption_rate: 1 });

    const shallow = await verifyLocation(bad, { file: name });
    expect(shallow.problems.map((p) => p.kind)).toEqual(expected.shallow ? [expected.shallow] : []);
  });

  it('decodes the page CRC failure down to the pages', async () => {
    const { problems } = await verifyLocation(bad, { file: 'datapage_v1-corrupt-checksum.parquet', deep: true });
    expect(problems[0]!.detail).toMatch(/^2 of 4 pages with a CRC do not match it/);
  });

  it.each(namesIn('good'))('passes good/%s with --deep', async (name) => {
    const report = await verifyLocation(good, { file: name, deep: true });
    expect(report.problems).toEqual([]);
    expect(report.checked.files).toBe(1);
    expect(report.checked.bytes).toBeGreaterThan(0);
  });

  it('verifies the good folder as a Parquet folder', async () => {
    const report = await verifyLocation(good, { deep: true });
    expect(report).toEqual({ location: good.url, problems: [], checked: { files: namesIn('good').length, bytes: expect.any(Number) }, corruption_rate: 0 });
  });
});
