/**
 * Protocol checks (PROTOCOL.md, "Protocol Evolution", "Table Features"): a table whose protocol needs
 * something this engine does not implement is refused with UNSUPPORTED_FEATURE naming the feature,
 * because reading or writing it anyway would silently give wrong results.
 */
import { LakebenchError } from '../../errors';
import type { Metadata, Protocol, StructType } from './actions';
import { parseSchema } from './schema';

/**
 * Reader features that need nothing beyond what Lakebench does: `timestampNtz` is only a type,
 * `vacuumProtocolCheck` only restricts writers/vacuum, and `columnMapping` is readable as long as
 * its mode is `none` (checked separately).
 */
const READER_FEATURES = new Set(['timestampNtz', 'vacuumProtocolCheck', 'columnMapping']);

/**
 * Writer features Lakebench's commits respect: `appendOnly` (the writer refuses removes when
 * `delta.appendOnly` is set), `invariants` (allowed only while no column declares one) and
 * `timestampNtz`.
 */
const WRITER_FEATURES = new Set(['appendOnly', 'invariants', 'timestampNtz']);

/** What each legacy writer version above 2 adds; none of it is implemented. */
const LEGACY_WRITER_VERSIONS: Record<number, string> = {
  3: 'CHECK constraints',
  4: 'generated columns and change data feed',
  5: 'column mapping',
  6: 'identity columns',
};

function unsupported(tableUrl: string, what: string): never {
  throw new LakebenchError('UNSUPPORTED_FEATURE', `${tableUrl}: the table uses ${what}, which Lakebench does not support`, {
    object: tableUrl,
  });
}

/** `metadata` lets the check look at table properties (column mapping mode). */
export function assertReadable(protocol: Protocol, tableUrl: string, metadata?: Metadata): void {
  const reader = protocol.minReaderVersion;
  if (reader > 3) unsupported(tableUrl, `Delta reader version ${reader}`);
  if (reader === 3) {
    for (const feature of protocol.readerFeatures ?? []) {
      if (!READER_FEATURES.has(feature)) unsupported(tableUrl, `the reader feature "${feature}"`);
    }
  }
  if (reader >= 2) {
    const mode = metadata?.configuration?.['delta.columnMapping.mode'] ?? 'none';
    if (mode !== 'none') unsupported(tableUrl, `columnMapping (mode "${mode}")`);
  }
}

/** Also refuses what `assertReadable` refuses: a writer must read the table first. */
export function assertWritable(protocol: Protocol, tableUrl: string, metadata?: Metadata): void {
  assertReadable(protocol, tableUrl, metadata);
  const writer = protocol.minWriterVersion;
  if (writer > 7) unsupported(tableUrl, `Delta writer version ${writer}`);
  if (LEGACY_WRITER_VERSIONS[writer]) unsupported(tableUrl, `writer version ${writer} (${LEGACY_WRITER_VERSIONS[writer]})`);
  if (writer === 7) {
    for (const feature of protocol.writerFeatures ?? []) {
      if (!WRITER_FEATURES.has(feature)) unsupported(tableUrl, `the writer feature "${feature}"`);
    }
  }
  const invariantColumn = metadata && columnWithInvariant(metadata.schemaString);
  if (writer >= 2 && invariantColumn) unsupported(tableUrl, `invariants (column "${invariantColumn}")`);
}

function columnWithInvariant(schemaString: string): string | undefined {
  const walk = (struct: StructType): string | undefined => {
    for (const field of struct.fields) {
      if (field.metadata && 'delta.invariants' in field.metadata) return field.name;
      if (typeof field.type === 'object' && field.type.type === 'struct') {
        const nested = walk(field.type);
        if (nested) return `${field.name}.${nested}`;
      }
    }
    return undefined;
  };
  return walk(parseSchema(schemaString));
}
