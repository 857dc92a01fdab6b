import { describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import type { Action } from '../../core/formats/delta/actions';
import { parseCommit, serializeActions } from '../../core/formats/delta/parse';

const URL = '/lake/t/_delta_log/00000000000000000003.json';
const bytes = (s: string) => new TextEncoder().encode(s);

function corruptError(text: string | Uint8Array): Error & { code?: string; object?: string } {
  try {
    parseCommit(typeof text === 'string' ? bytes(text) : text, URL);
  } catch (e) {
    if (isLakebenchError(e)) return e;
    throw e;
  }
  throw new Error('expected parseCommit to fail');
}

const ACTIONS: Action[] = [
  { commitInfo: { timestamp: 1700000000000, operation: 'WRITE', operationParameters: { mode: 'Append' } } },
  { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
  {
    metaData: {
      id: 'abc',
      format: { provider: 'parquet', options: {} },
      schemaString: '{"type":"struct","fields":[]}',
      partitionColumns: ['p'],
      configuration: {},
      createdTime: 1,
    },
  },
  {
    add: {
      path: 'p=a%20b/part-1.parquet',
      partitionValues: { p: 'a b' },
      size: 10,
      modificationTime: 5,
      dataChange: true,
      stats: '{"numRecords":3}',
    },
  },
  { remove: { path: 'p=x/part-0.parquet', deletionTimestamp: 7, dataChange: true } },
  { txn: { appId: 'app', version: 4, lastUpdated: 9 } },
  { domainMetadata: { domain: 'd', configuration: '{}', removed: false } },
  { other: { cdc: { path: '_change_data/c.parquet', partitionValues: {}, size: 1, dataChange: false } } },
];

describe('parseCommit', () => {
  it('round-trips serializeActions, keeping unknown actions', () => {
    const text = serializeActions(ACTIONS);
    expect(text.split('\n')).toHaveLength(ACTIONS.length);
    expect(text).toContain('{"domainMetadata":');
    expect(text).toContain('"minReaderVersion":1');
    expect(parseCommit(bytes(text), URL)).toEqual(ACTIONS);
  });

  it('accepts a trailing newline and CRLF line ends', () => {
    const text = serializeActions(ACTIONS.slice(0, 2)).replace('\n', '\r\n') + '\n';
    expect(parseCommit(bytes(text), URL)).toEqual(ACTIONS.slice(0, 2));
  });

  it('fails with CORRUPT naming the file and the line for a bad line', () => {
    const lines = serializeActions(ACTIONS).split('\n');
    lines[2] = '{"metaData": {"id": "abc", oops}';
    const error = corruptError(lines.join('\n'));
    expect(error.code).toBe('CORRUPT');
    expect(error.object).toBe(URL);
    expect(error.message).toContain(URL);
    expect(error.message).toContain('line 3');
  });

  it('fails on a truncated last entry instead of skipping it', () => {
    const text = serializeActions(ACTIONS);
    const error = corruptError(text.slice(0, text.length - 10));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain(`line ${ACTIONS.length}`);
  });

  it.each([
    ['a JSON value that is not an object', '[1,2]'],
    ['an action that is not an object', '{"add": 5}'],
    ['an add without a path', '{"add": {"size": 1, "partitionValues": {}}}'],
    ['an add without partitionValues', '{"add": {"path": "a", "size": 1}}'],
    ['a protocol without versions', '{"protocol": {}}'],
  ])('refuses %s', (_, line) => {
    const error = corruptError(`{"commitInfo":{}}\n${line}`);
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain('line 2');
  });

  it('refuses bytes that are not UTF-8', () => {
    const error = corruptError(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(error.code).toBe('CORRUPT');
    expect(error.object).toBe(URL);
  });
});
