/** Writers refuse tables whose protocol asks for writer features Lakebench does not implement. */
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { commitKey } from '../../core/formats/delta/log-files';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFiles } from '../../core/ops/import';
import { deleteWhere } from '../../core/ops/delete';
import { LocalStore } from '../../core/storage/local';
import { fixture } from '../helpers/fixtures';

const DV_TABLE = fixture('delta-rs', 'table-with-dv-small');

describe('writing to a table with unsupported features', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-write-protocol-'));
    await cp(DV_TABLE, path.join(dir, 'table'), { recursive: true });
    // Row tracking: writers would have to assign row ids, which Lakebench does not.
    const protocol = { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors', 'rowTracking', 'domainMetadata'] };
    await writeFile(path.join(dir, 'table', commitKey(2)), JSON.stringify({ protocol }));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('import and delete are refused naming rowTracking, and no commit is added', async () => {
    const store = new LocalStore(path.join(dir, 'table'));
    const before = await readdir(path.join(dir, 'table', '_delta_log'));
    const input = path.join(dir, 'rows.ndjson');
    await writeFile(input, '{"value": 9}\n');
    await expect(importFiles(store, { inputs: [input] })).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE', message: expect.stringContaining('rowTracking') });
    await expect(deleteWhere(store, 'value = 1')).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE', message: expect.stringContaining('rowTracking') });
    expect(await readdir(path.join(dir, 'table', '_delta_log'))).toEqual(before);
  });
});
