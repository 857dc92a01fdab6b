/**
 * Checks one DES shard as a whole (formats.md §4): header and footer magic, index bounds, every entry
 * decompressed to its recorded size, every entry's bytes against the sidecar's sha256, big files present
 * with the right hash, and the sidecar agreeing with the shard (size, entries, locations). The shard is
 * read once; repack reuses the inspection to copy the good payloads. Every problem names shard and uid.
 */
import { isLakebenchError } from '../../errors';
import { bigFileKey, payloadOf, sha256Hex } from '../../formats/des/archive';
import { readIndex, ShardFormatError, type DesEntry, type ShardIndex } from '../../formats/des/format';
import type { ArchiveShard } from '../../formats/des/listing';
import { parseSidecar, sidecarEntryOf, type Sidecar } from '../../formats/des/sidecar';
import type { ObjectStore } from '../../storage/types';
import type { ProblemKind, VerifyProblem } from './problems';

export interface ShardInspection {
  /** The whole shard. */
  bytes: Uint8Array;
  index?: ShardIndex;
  sidecar?: Sidecar;
  problems: VerifyProblem[];
  /** Entries whose bytes cannot be trusted (undecodable, wrong size or checksum, big file missing or wrong). */
  corrupt: Set<string>;
  /** sha256 of each good entry's uncompressed bytes. */
  checksums: Map<string, string>;
}

export async function inspectShard(store: ObjectStore, shard: ArchiveShard): Promise<ShardInspection> {
  const url = store.urlOf(shard.shard.key);
  const problems: VerifyProblem[] = [];
  const corrupt = new Set<string>();
  const checksums = new Map<string, string>();
  const report = (kind: ProblemKind, detail: string, uid?: string) => {
    problems.push({ object: uid === undefined ? url : `${url}#${uid}`, kind, detail: uid === undefined ? `shard ${shard.name}: ${detail}` : `shard ${shard.name}, uid ${uid}: ${detail}` });
    if (uid !== undefined) corrupt.add(uid);
  };
  const bytes = await store.get(shard.shard.key);
  const sidecar = shard.sidecar ? await readSidecarProblem(store, shard, report) : undefined;
  if (!shard.sidecar) report('missing-sidecar', 'no .meta sidecar: entry checksums cannot be checked');

  const index = await parseShard(bytes, url, report);
  if (sidecar) compareSidecar(sidecar, bytes.length, index, (detail, uid) => problems.push({ object: uid ? `${url}#${uid}` : url, kind: 'sidecar-mismatch', detail: `shard ${shard.name}${uid ? `, uid ${uid}` : ''}: ${detail}` }));
  for (const entry of index?.entries ?? []) {
    const object = `${url}#${entry.uid}`;
    let payload: Uint8Array;
    try {
      payload = await payloadOf(store, shard.shard, entry, object, entry.isBigFile ? undefined : bytes.subarray(entry.offset, entry.offset + entry.length));
    } catch (e) {
      if (isLakebenchError(e, 'NOT_FOUND')) report('missing-file', `big file ${bigFileKey(shard.shard.key, entry.bigFileHash!)} is missing`, entry.uid);
      else if (isLakebenchError(e, 'CORRUPT')) report(entry.isBigFile ? 'checksum-mismatch' : 'decode-error', e.message, entry.uid);
      else throw e;
      continue;
    }
    const expected = sidecar && sidecarEntryOf(sidecar, entry.uid)?.checksum;
    const actual = sha256Hex(payload);
    if (expected && actual !== expected) report('checksum-mismatch', `sha256 ${actual} differs from the sidecar's ${expected}`, entry.uid);
    else checksums.set(entry.uid, actual);
  }
  return { bytes, index, sidecar, problems, corrupt, checksums };
}

type Report = (kind: ProblemKind, detail: string, uid?: string) => void;

async function readSidecarProblem(store: ObjectStore, shard: ArchiveShard, report: Report): Promise<Sidecar | undefined> {
  try {
    return parseSidecar(await store.get(shard.sidecar!.key), store.urlOf(shard.sidecar!.key));
  } catch (e) {
    if (!isLakebenchError(e, 'CORRUPT')) throw e;
    report('sidecar-mismatch', `sidecar ${shard.sidecar!.key} unreadable: ${e.message}`);
    return undefined;
  }
}

/** Header, footer and index; a structural problem is reported and leaves no index to check entries by. */
async function parseShard(bytes: Uint8Array, url: string, report: Report): Promise<ShardIndex | undefined> {
  try {
    return (await readIndex(bytes.length, async (offset, length) => bytes.subarray(offset, offset + length), url)).index;
  } catch (e) {
    if (!(e instanceof ShardFormatError)) throw e;
    report(e.part === 'magic' ? 'bad-magic' : 'bad-index', e.message);
    return undefined;
  }
}

/** Sidecar vs shard: the size it was written for, the same uids, and each entry's location and size. */
function compareSidecar(sidecar: Sidecar, shardSize: number, index: ShardIndex | undefined, report: (detail: string, uid?: string) => void): void {
  if (sidecar.shard_size !== undefined && sidecar.shard_size !== shardSize) report(`the sidecar records ${sidecar.shard_size} bytes, the shard has ${shardSize}`);
  if (!index) return;
  const sideUids = new Set(Object.values(sidecar.index).map((e) => e.uid));
  const shardUids = new Set(index.entries.map((e) => e.uid));
  if (sidecar.stats && sidecar.stats.entries !== index.entries.length) report(`the sidecar's stats count ${sidecar.stats.entries} entries, the shard holds ${index.entries.length}`);
  for (const uid of sideUids) if (!shardUids.has(uid)) report('in the sidecar but not in the shard', uid);
  for (const entry of index.entries) {
    const side = sidecarEntryOf(sidecar, entry.uid);
    if (!side) report('in the shard but not in the sidecar', entry.uid);
    else for (const difference of entryDifferences(entry, side)) report(difference, entry.uid);
  }
}

function entryDifferences(entry: DesEntry, side: NonNullable<ReturnType<typeof sidecarEntryOf>>): string[] {
  const differences: string[] = [];
  const compare = (field: string, recorded: unknown, actual: unknown) => {
    if (recorded !== undefined && recorded !== null && recorded !== actual) differences.push(`the sidecar's ${field} ${String(recorded)} differs from the index's ${String(actual)}`);
  };
  compare('uncompressed_size', side.uncompressed_size, entry.uncompressedSize);
  compare('is_bigfile', side.is_bigfile, entry.isBigFile);
  if (!entry.isBigFile) {
    compare('offset', side.offset, entry.offset);
    compare('length', side.length, entry.length);
  }
  return differences;
}
