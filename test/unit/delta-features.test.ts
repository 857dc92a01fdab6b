import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Metadata, Protocol } from '../../core/formats/delta/actions';
import { assertReadable, assertWritable, featureNames } from '../../core/formats/delta/features';
import { DeltaTable } from '../../core/formats/delta/table';
import { LocalStore } from '../../core/storage/local';
import { FIXTURES } from '../helpers/fixtures';

const URL = 's3://bucket/t';

const metadata = (configuration: Record<string, string> = {}, fieldMetadata: Record<string, unknown> = {}, type: string = 'long'): Metadata => ({
  id: 'id',
  format: { provider: 'parquet' },
  schemaString: JSON.stringify({ type: 'struct', fields: [{ name: 'a', type, nullable: true, metadata: fieldMetadata }] }),
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

const v3 = (readerFeatures: string[], writerFeatures: string[] = readerFeatures): Protocol => ({
  minReaderVersion: 3,
  minWriterVersion: 7,
  readerFeatures,
  writerFeatures,
});

describe('assertReadable', () => {
  it('reads deletion vectors, column mapping, v2 checkpoints, timestamp_ntz, type widening and variants', () => {
    expect(() => assertReadable({ minReaderVersion: 1, minWriterVersion: 2 }, URL)).not.toThrow();
    expect(() => assertReadable({ minReaderVersion: 2, minWriterVersion: 5 }, URL, metadata({ 'delta.columnMapping.mode': 'name' }))).not.toThrow();
    const all = ['deletionVectors', 'columnMapping', 'v2Checkpoint', 'timestampNtz', 'typeWidening', 'variantType', 'vacuumProtocolCheck'];
    expect(() => assertReadable(v3(all), URL, metadata({ 'delta.columnMapping.mode': 'id' }))).not.toThrow();
  });

  it('refuses unknown reader features, a newer reader version and an unknown column mapping mode by name', () => {
    for (const feature of ['catalogManaged', 'someFutureFeature']) {
      const error = refusal(() => assertReadable(v3([feature]), URL));
      expect(error.code).toBe('UNSUPPORTED_FEATURE');
      expect(error.message).toContain(feature);
      expect(error.object).toBe(URL);
    }
    expect(refusal(() => assertReadable({ minReaderVersion: 4, minWriterVersion: 7 }, URL)).message).toContain('reader version 4');
    expect(refusal(() => assertReadable(v3(['columnMapping']), URL, metadata({ 'delta.columnMapping.mode': 'path' }))).message).toContain('"path"');
  });

  it('refuses a recorded type change that is not a widening the protocol allows', () => {
    const widened = metadata({}, { 'delta.typeChanges': [{ fromType: 'integer', toType: 'long' }] });
    expect(() => assertReadable(v3(['typeWidening']), URL, widened)).not.toThrow();
    const narrowed = metadata({}, { 'delta.typeChanges': [{ fromType: 'long', toType: 'integer' }] }, 'integer');
    expect(refusal(() => assertReadable(v3(['typeWidening']), URL, narrowed)).message).toContain('long to integer');
  });

  it('reads the fixture table-with-dv-small', async () => {
    const table = await DeltaTable.open(new LocalStore(path.join(FIXTURES, 'delta-rs/table-with-dv-small')));
    expect((await table.snapshot()).files[0].deletionVector).toMatchObject({ storageType: 'u', cardinality: 2 });
  });
});

describe('assertWritable', () => {
  it('writes the features whose rules Lakebench keeps', () => {
    expect(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 2 }, URL, metadata())).not.toThrow();
    expect(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['appendOnly', 'domainMetadata'] }, URL)).not.toThrow();
    const features = v3(['deletionVectors', 'columnMapping', 'v2Checkpoint'], ['deletionVectors', 'columnMapping', 'v2Checkpoint', 'domainMetadata', 'clustering', 'inCommitTimestamp']);
    expect(() => assertWritable(features, URL, metadata({ 'delta.columnMapping.mode': 'name' }))).not.toThrow();
    expect(() => assertWritable({ minReaderVersion: 2, minWriterVersion: 5 }, URL, metadata({ 'delta.columnMapping.mode': 'name' }))).not.toThrow();
  });

  it('refuses unknown writer features and features in use that its writers do not implement, by name', () => {
    expect(refusal(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['rowTracking'] }, URL)).message).toContain('rowTracking');
    expect(refusal(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['icebergCompatV2'] }, URL)).message).toContain('icebergCompatV2');
    const invariant = metadata({}, { 'delta.invariants': '{"expression":{"expression":"a > 0"}}' });
    expect(refusal(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 2 }, URL, invariant)).message).toContain('invariants');
    const constrained = metadata({ 'delta.constraints.positive': 'a > 0' });
    expect(refusal(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 3 }, URL, constrained)).message).toContain('delta.constraints.positive');
    const generated = metadata({}, { 'delta.generationExpression': 'b + 1' });
    expect(refusal(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 4 }, URL, generated)).message).toContain('generatedColumns');
    const cdf = metadata({ 'delta.enableChangeDataFeed': 'true' });
    expect(refusal(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 4 }, URL, cdf)).message).toContain('changeDataFeed');
    expect(refusal(() => assertWritable(v3(['variantType']), URL, metadata({}, {}, 'variant'))).message).toContain('variant');
  });

  it('refuses to write what it cannot read', () => {
    expect(refusal(() => assertWritable(v3(['catalogManaged']), URL)).message).toContain('catalogManaged');
  });
});

describe('featureNames', () => {
  it('names the features a table uses', () => {
    const protocol = v3(['deletionVectors', 'columnMapping', 'v2Checkpoint'], ['deletionVectors', 'columnMapping', 'v2Checkpoint', 'domainMetadata']);
    expect(featureNames(protocol, metadata({ 'delta.columnMapping.mode': 'name' }))).toEqual(['deletion vectors', 'column mapping (name)', 'v2 checkpoints']);
    expect(featureNames({ minReaderVersion: 1, minWriterVersion: 2 }, metadata())).toEqual([]);
  });
});
