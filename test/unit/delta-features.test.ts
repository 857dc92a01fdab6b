import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Metadata, Protocol } from '../../core/formats/delta/actions';
import { assertReadable, assertWritable } from '../../core/formats/delta/features';
import { DeltaTable } from '../../core/formats/delta/table';
import { LocalStore } from '../../core/storage/local';
import { FIXTURES } from '../helpers/fixtures';

const URL = 's3://bucket/t';

const metadata = (configuration: Record<string, string> = {}, fieldMetadata: Record<string, unknown> = {}): Metadata => ({
  id: 'id',
  format: { provider: 'parquet' },
  schemaString: JSON.stringify({ type: 'struct', fields: [{ name: 'a', type: 'long', nullable: true, metadata: fieldMetadata }] }),
  partitionColumns: [],
  configuration,
});

const refusal = (check: () => void) => {
  try {
    check();
  } catch (e) {
    return e as Error & { code: string; object: string };
  }
  throw new Error('expected the protocol to be refused');
};

describe('assertReadable', () => {
  it('reads reader 1, reader 2 without column mapping, reader 3 with supported features', () => {
    expect(() => assertReadable({ minReaderVersion: 1, minWriterVersion: 2 }, URL)).not.toThrow();
    expect(() => assertReadable({ minReaderVersion: 2, minWriterVersion: 5 }, URL, metadata())).not.toThrow();
    const v3: Protocol = { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz'] };
    expect(() => assertReadable(v3, URL, metadata())).not.toThrow();
  });

  it('refuses column mapping by name', () => {
    const error = refusal(() =>
      assertReadable({ minReaderVersion: 2, minWriterVersion: 5 }, URL, metadata({ 'delta.columnMapping.mode': 'name' })),
    );
    expect(error.code).toBe('UNSUPPORTED_FEATURE');
    expect(error.message).toContain('columnMapping');
    expect(error.object).toBe(URL);
  });

  it('refuses deletion vectors and unknown features by name', () => {
    for (const feature of ['deletionVectors', 'someFutureFeature']) {
      const error = refusal(() => assertReadable({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [feature] }, URL));
      expect(error.code).toBe('UNSUPPORTED_FEATURE');
      expect(error.message).toContain(feature);
    }
    expect(refusal(() => assertReadable({ minReaderVersion: 4, minWriterVersion: 7 }, URL)).message).toContain('reader version 4');
  });

  it('refuses the fixture table-with-dv-small, naming deletionVectors', async () => {
    const table = await DeltaTable.open(new LocalStore(path.join(FIXTURES, 'delta-rs/table-with-dv-small')));
    await expect(table.snapshot()).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE', message: expect.stringContaining('deletionVectors') });
  });
});

describe('assertWritable', () => {
  it('writes writer 2 and writer 7 with supported features', () => {
    expect(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 2 }, URL, metadata())).not.toThrow();
    expect(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['appendOnly'] }, URL)).not.toThrow();
  });

  it('refuses legacy writer versions 3-6, unknown writer features and declared invariants', () => {
    expect(refusal(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 4 }, URL)).message).toContain('generated columns');
    const error = refusal(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['domainMetadata'] }, URL));
    expect(error.message).toContain('domainMetadata');
    const invariant = metadata({}, { 'delta.invariants': '{"expression":{"expression":"a > 0"}}' });
    expect(refusal(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 2 }, URL, invariant)).message).toContain('invariants');
  });

  it('refuses to write what it cannot read', () => {
    const error = refusal(() => assertWritable({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] }, URL));
    expect(error.message).toContain('deletionVectors');
  });
});
