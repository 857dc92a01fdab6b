import { describe, expect, it } from 'vitest';
import { checkpointKey, commitKey, parseLogFileName } from '../../core/formats/delta/log-files';

describe('parseLogFileName', () => {
  it('recognises commits, classic and multi-part checkpoints and _last_checkpoint', () => {
    expect(parseLogFileName('00000000000000000003.json')).toEqual({ kind: 'commit', version: 3 });
    expect(parseLogFileName('_delta_log/00000000000000000012.json')).toEqual({ kind: 'commit', version: 12 });
    expect(parseLogFileName('_delta_log/00000000000000000010.checkpoint.parquet')).toEqual({
      kind: 'checkpoint',
      version: 10,
      part: 1,
      parts: 1,
    });
    expect(parseLogFileName('00000000000000000020.checkpoint.0000000002.0000000003.parquet')).toEqual({
      kind: 'checkpoint',
      version: 20,
      part: 2,
      parts: 3,
    });
    expect(parseLogFileName('_delta_log/_last_checkpoint')).toEqual({ kind: 'last_checkpoint' });
  });

  it('recognises UUID-named (v2) checkpoints in JSON and Parquet as one-part checkpoints', () => {
    const uuid = '80a083e8-7026-4e79-81be-64bd76c43a11';
    for (const format of ['json', 'parquet']) {
      expect(parseLogFileName(`_delta_log/00000000000000000010.checkpoint.${uuid}.${format}`)).toEqual({
        kind: 'checkpoint',
        version: 10,
        part: 1,
        parts: 1,
        uuid,
      });
    }
    expect(checkpointKey(10, uuid)).toBe(`_delta_log/00000000000000000010.checkpoint.${uuid}.parquet`);
  });

  it.each([
    '_delta_log/.tmp/00000000000000000005.json',
    '_delta_log/.00000000000000000001.json.crc',
    '_delta_log/..00000000000000000000.json.c6b312ca-665d-46ab-93a9-9f87ad2baa92.tmp.crc',
    '_delta_log/00000000000000000001.crc',
    '_delta_log/00000000000000000004.00000000000000000006.compacted.json',
    '_delta_log/_commits/00000000000000000007.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json',
    '_delta_log/00000000000000000010.checkpoint.not-a-uuid.json',
    '_delta_log/00000000000000000010.checkpoint.0000000003.0000000002.parquet', // part > parts
    '_delta_log/123.json', // not 20 digits
    '_delta_log/_sidecars/abc.parquet',
  ])('ignores %s', (name) => {
    expect(parseLogFileName(name).kind).toBe('other');
  });
});

describe('log keys', () => {
  it('pads versions to 20 digits', () => {
    expect(commitKey(0)).toBe('_delta_log/00000000000000000000.json');
    expect(commitKey(1234)).toBe('_delta_log/00000000000000001234.json');
    expect(checkpointKey(10)).toBe('_delta_log/00000000000000000010.checkpoint.parquet');
    expect(parseLogFileName(commitKey(98765))).toEqual({ kind: 'commit', version: 98765 });
  });
});
