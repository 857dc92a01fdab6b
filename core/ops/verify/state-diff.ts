/**
 * How a checkpoint's table state differs from the JSON replay's at the same version: live files (by
 * path, size and deletion vector), metaData and protocol. Tombstones and txns are left out: a checkpoint may drop
 * expired ones (delta.deletedFileRetentionDuration, delta.setTransactionRetentionDuration).
 */
import type { Metadata, Protocol } from '../../formats/delta/actions';
import { logicalFileKey, type TableState } from '../../formats/delta/replay';

/** How many file paths a difference names before "…". */
const EXAMPLES = 3;

/** A readable description of the differences, or undefined when the states agree. */
export function compareStates(json: TableState, checkpoint: TableState): string | undefined {
  const differences: string[] = [];
  const onlyInLog = [...json.files.keys()].filter((path) => !checkpoint.files.has(path));
  const onlyInCheckpoint = [...checkpoint.files.keys()].filter((path) => !json.files.has(path));
  const otherSize = [...json.files].filter(([path, add]) => {
    const other = checkpoint.files.get(path);
    return other !== undefined && Number(other.size) !== Number(add.size);
  });
  const otherDv = [...json.files].filter(([path, add]) => {
    const other = checkpoint.files.get(path);
    return other !== undefined && logicalFileKey(other) !== logicalFileKey(add);
  });
  if (onlyInLog.length > 0) differences.push(`${count(onlyInLog.length, 'live file')} missing from the checkpoint (${examples(onlyInLog)})`);
  if (onlyInCheckpoint.length > 0) differences.push(`${count(onlyInCheckpoint.length, 'file')} live only in the checkpoint (${examples(onlyInCheckpoint)})`);
  if (otherSize.length > 0) differences.push(`${count(otherSize.length, 'file')} with another size (${examples(otherSize.map(([p]) => p))})`);
  if (otherDv.length > 0) differences.push(`${count(otherDv.length, 'file')} with another deletion vector (${examples(otherDv.map(([p]) => p))})`);
  const metadata = metadataDifference(json.metadata, checkpoint.metadata);
  if (metadata) differences.push(`metaData ${metadata}`);
  if (comparable(json.protocol) !== comparable(checkpoint.protocol)) differences.push('protocol differs');
  return differences.length === 0 ? undefined : differences.join('; ');
}

function metadataDifference(a: Metadata | undefined, b: Metadata | undefined): string | undefined {
  if (!a || !b) return a === b ? undefined : `only in ${a ? 'the log' : 'the checkpoint'}`;
  const fields = {
    id: [a.id, b.id],
    schemaString: [a.schemaString, b.schemaString],
    partitionColumns: [JSON.stringify(a.partitionColumns ?? []), JSON.stringify(b.partitionColumns ?? [])],
    configuration: [sortedJson(a.configuration ?? {}), sortedJson(b.configuration ?? {})],
  };
  const differing = Object.entries(fields).filter(([, [x, y]]) => x !== y).map(([name]) => name);
  return differing.length === 0 ? undefined : `differs in ${differing.join(', ')}`;
}

/** Absent feature lists and empty ones mean the same (checkpoints store nulls as absent). */
function comparable(protocol: Protocol | undefined): string {
  if (!protocol) return '';
  const { minReaderVersion, minWriterVersion, readerFeatures = [], writerFeatures = [] } = protocol;
  return JSON.stringify([minReaderVersion, minWriterVersion, [...readerFeatures].sort(), [...writerFeatures].sort()]);
}

function sortedJson(record: Record<string, string>): string {
  return JSON.stringify(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const examples = (paths: string[]) => paths.slice(0, EXAMPLES).join(', ') + (paths.length > EXAMPLES ? ', …' : '');
