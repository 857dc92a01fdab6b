/**
 * Protocol checks (PROTOCOL.md, "Protocol Evolution", "Table Features"): a table whose protocol needs
 * something this engine does not implement is refused with UNSUPPORTED_FEATURE naming the feature,
 * because reading or writing it anyway would silently give wrong results. Also the names of the
 * features a table uses, for display.
 */
import { LakebenchError } from '../../errors';
import type { DeltaType, Metadata, Protocol, StructField, StructType } from './actions';
import { columnMappingMode } from './column-mapping';
import { parseSchema } from './schema';

/**
 * Reader features Lakebench reads correctly: deletion vectors, column mapping (`name` and `id`), v2
 * checkpoints (JSON or Parquet, with sidecars), `timestamp_ntz`, type widening (files holding a narrower
 * type are read widened), variants (as JSON text), and `vacuumProtocolCheck` (a rule for vacuum only).
 */
const READER_FEATURES = new Set([
  'deletionVectors',
  'columnMapping',
  'v2Checkpoint',
  'timestampNtz',
  'typeWidening',
  'typeWidening-preview',
  'variantType',
  'variantType-preview',
  'vacuumProtocolCheck',
]);

/**
 * Writer features Lakebench's writes respect. Some only while their table property or column metadata
 * is not in use (see activeWriterProblem): `invariants`, `checkConstraints`, `generatedColumns`,
 * `identityColumns`, `allowColumnDefaults`, `changeDataFeed`. `domainMetadata` and `clustering` are kept
 * (domains survive every commit; new files are simply unclustered); `inCommitTimestamp` is written by the
 * commit; `typeWidening` needs nothing of a writer that writes the current types.
 */
const WRITER_FEATURES = new Set([
  'appendOnly',
  'invariants',
  'timestampNtz',
  'deletionVectors',
  'columnMapping',
  'v2Checkpoint',
  'domainMetadata',
  'clustering',
  'inCommitTimestamp',
  'typeWidening',
  'typeWidening-preview',
  'vacuumProtocolCheck',
  'checkConstraints',
  'generatedColumns',
  'identityColumns',
  'allowColumnDefaults',
  'changeDataFeed',
]);

/** What each legacy writer version adds, and whether Lakebench respects it (it does for 5, column mapping). */
const LEGACY_WRITER_VERSIONS: Record<number, string[]> = {
  3: ['checkConstraints'],
  4: ['checkConstraints', 'changeDataFeed', 'generatedColumns'],
  5: ['checkConstraints', 'changeDataFeed', 'generatedColumns', 'columnMapping'],
  6: ['checkConstraints', 'changeDataFeed', 'generatedColumns', 'columnMapping', 'identityColumns'],
};

/** Type changes PROTOCOL.md's type widening allows; each is a plain cast in DuckDB. */
const INTEGERS = ['byte', 'short', 'integer', 'long'];

function unsupported(tableUrl: string, what: string): never {
  throw new LakebenchError('UNSUPPORTED_FEATURE', `${tableUrl}: the table uses ${what}, which Lakebench does not support`, {
    object: tableUrl,
  });
}

/** `metadata` lets the check look at the schema (type changes, variants) and properties. */
export function assertReadable(protocol: Protocol, tableUrl: string, metadata?: Metadata): void {
  const reader = protocol.minReaderVersion;
  if (reader > 3) unsupported(tableUrl, `Delta reader version ${reader}`);
  if (reader === 3) {
    for (const feature of protocol.readerFeatures ?? []) {
      if (!READER_FEATURES.has(feature)) unsupported(tableUrl, `the reader feature "${feature}"`);
    }
  }
  if (!metadata) return;
  const mode = metadata.configuration?.['delta.columnMapping.mode'] ?? 'none';
  if (!['none', 'name', 'id'].includes(mode)) unsupported(tableUrl, `columnMapping (mode "${mode}")`);
  const schema = parseSchema(metadata.schemaString, tableUrl);
  const change = unsupportedTypeChange(schema);
  if (change) unsupported(tableUrl, `typeWidening (a change from ${change})`);
}

/** Also refuses what `assertReadable` refuses: a writer must read the table first. */
export function assertWritable(protocol: Protocol, tableUrl: string, metadata?: Metadata): void {
  assertReadable(protocol, tableUrl, metadata);
  const writer = protocol.minWriterVersion;
  if (writer > 7) unsupported(tableUrl, `Delta writer version ${writer}`);
  const features = writer === 7 ? (protocol.writerFeatures ?? []) : (LEGACY_WRITER_VERSIONS[writer] ?? []);
  for (const feature of features) {
    if (!WRITER_FEATURES.has(feature)) unsupported(tableUrl, `the writer feature "${feature}"`);
  }
  if (!metadata) return;
  const problem = activeWriterProblem(writer >= 2 ? ['invariants', ...features] : features, metadata, tableUrl);
  if (problem) unsupported(tableUrl, problem);
}

/**
 * A supported writer feature that is in use in a way Lakebench's writers do not implement (they would
 * write rows that break it): a declared invariant, CHECK constraint, generated, identity or default
 * column, change data feed turned on, or a variant column (Lakebench reads variants as JSON text only).
 */
function activeWriterProblem(features: string[], metadata: Metadata, tableUrl: string): string | undefined {
  const configuration = metadata.configuration ?? {};
  const schema = parseSchema(metadata.schemaString, tableUrl);
  const has = (feature: string) => features.includes(feature);
  const column = (key: string) => fieldWithMetadata(schema, key);
  if (has('invariants') && column('delta.invariants')) return `invariants (column "${column('delta.invariants')}")`;
  const constraint = Object.keys(configuration).find((k) => k.startsWith('delta.constraints.'));
  if (has('checkConstraints') && constraint) return `checkConstraints (${constraint})`;
  if (has('generatedColumns') && column('delta.generationExpression')) return `generatedColumns (column "${column('delta.generationExpression')}")`;
  if (has('identityColumns') && column('delta.identity.start')) return `identityColumns (column "${column('delta.identity.start')}")`;
  if (has('allowColumnDefaults') && column('CURRENT_DEFAULT')) return `allowColumnDefaults (column "${column('CURRENT_DEFAULT')}")`;
  if (has('changeDataFeed') && configuration['delta.enableChangeDataFeed'] === 'true') return 'changeDataFeed (delta.enableChangeDataFeed)';
  if (hasVariant(schema)) return 'variantType when writing (variant columns are read as JSON text only)';
  return undefined;
}

function fieldWithMetadata(schema: StructType, key: string): string | undefined {
  for (const { field, path } of allFields(schema)) if (field.metadata && key in field.metadata) return path;
  return undefined;
}

function* allFields(type: DeltaType, prefix = ''): Generator<{ field: StructField; path: string }> {
  if (typeof type === 'string') return;
  if (type.type === 'struct') {
    for (const field of type.fields) {
      const path = prefix ? `${prefix}.${field.name}` : field.name;
      yield { field, path };
      yield* allFields(field.type, path);
    }
  } else if (type.type === 'array') yield* allFields(type.elementType, prefix);
  else {
    yield* allFields(type.keyType, prefix);
    yield* allFields(type.valueType, prefix);
  }
}

function hasVariant(type: DeltaType): boolean {
  if (typeof type === 'string') return type === 'variant';
  if (type.type === 'struct') return type.fields.some((f) => hasVariant(f.type));
  if (type.type === 'array') return hasVariant(type.elementType);
  return hasVariant(type.keyType) || hasVariant(type.valueType);
}

/** The first recorded type change (`delta.typeChanges`) that is not a widening PROTOCOL.md allows, as "a to b". */
function unsupportedTypeChange(schema: StructType): string | undefined {
  for (const { field } of allFields(schema)) {
    const changes = field.metadata?.['delta.typeChanges'];
    if (!Array.isArray(changes)) continue;
    for (const change of changes as { fromType?: unknown; toType?: unknown }[]) {
      const from = String(change.fromType);
      const to = String(change.toType);
      if (!isWidening(from, to)) return `${from} to ${to} in column "${field.name}"`;
    }
  }
  return undefined;
}

function isWidening(from: string, to: string): boolean {
  const decimal = (t: string) => /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(t);
  if (INTEGERS.includes(from) && INTEGERS.includes(to)) return INTEGERS.indexOf(to) > INTEGERS.indexOf(from);
  if (from === 'float' && to === 'double') return true;
  if (['byte', 'short', 'integer'].includes(from) && to === 'double') return true;
  if (from === 'date' && to === 'timestamp_ntz') return true;
  const target = decimal(to);
  if (!target) return false;
  const [p, s] = [Number(target[1]), Number(target[2])];
  const source = decimal(from);
  if (source) return p - Number(source[1]) >= s - Number(source[2]) && s >= Number(source[2]);
  if (['byte', 'short', 'integer'].includes(from)) return p - 10 >= s;
  return from === 'long' && p - 20 >= s;
}

/** Display names of the features a table uses, e.g. `deletion vectors`, `column mapping (name)`. */
export function featureNames(protocol: Protocol, metadata: Metadata): string[] {
  const configured = metadata.configuration ?? {};
  const listed = new Set([...(protocol.readerFeatures ?? []), ...(protocol.writerFeatures ?? [])]);
  const names: string[] = [];
  if (listed.has('deletionVectors')) names.push('deletion vectors');
  const mode = columnMappingMode(protocol, metadata);
  if (mode !== 'none') names.push(`column mapping (${mode})`);
  if (listed.has('v2Checkpoint')) names.push('v2 checkpoints');
  if (listed.has('timestampNtz')) names.push('timestamp without time zone');
  if (listed.has('typeWidening') || listed.has('typeWidening-preview')) names.push('type widening');
  if (listed.has('variantType') || listed.has('variantType-preview')) names.push('variant');
  if (listed.has('inCommitTimestamp') && configured['delta.enableInCommitTimestamps'] === 'true') names.push('in-commit timestamps');
  if (listed.has('clustering')) names.push('liquid clustering');
  if (listed.has('rowTracking')) names.push('row tracking');
  if (listed.has('changeDataFeed') || configured['delta.enableChangeDataFeed'] === 'true') names.push('change data feed');
  if (configured['delta.appendOnly'] === 'true') names.push('append-only');
  return names;
}
