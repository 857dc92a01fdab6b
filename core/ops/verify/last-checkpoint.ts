/**
 * `_last_checkpoint` (PROTOCOL.md, "Last Checkpoint File"): optional, but when present it must name a
 * checkpoint that exists, with the right action count (`size`), part count and byte size. It may name
 * an older checkpoint than the newest (see hintFindings). All findings about the file are one problem.
 */
import { LAST_CHECKPOINT_KEY } from '../../formats/delta/log-files';
import { readLastCheckpointFile, type LogListing } from '../../formats/delta/log-listing';
import type { ObjectStore } from '../../storage/types';
import type { VerifyProblem } from './problems';

/** What was read of each checkpoint that parsed: its actions (Parquet rows) and its bytes, over all parts. */
export interface CheckpointFacts {
  rows: number;
  bytes: number;
}

interface LastCheckpointHint {
  version?: unknown;
  size?: unknown;
  parts?: unknown;
  sizeInBytes?: unknown;
}

export async function checkLastCheckpoint(
  store: ObjectStore,
  listing: LogListing,
  checkpoints: Map<number, CheckpointFacts>,
): Promise<VerifyProblem | undefined> {
  const bytes = await readLastCheckpointFile(store);
  if (bytes === undefined) return undefined;
  const findings = hintFindings(bytes, listing, checkpoints);
  return findings.length === 0 ? undefined : { object: store.urlOf(LAST_CHECKPOINT_KEY), kind: 'last-checkpoint', detail: findings.join('; ') };
}

function hintFindings(bytes: Uint8Array, listing: LogListing, checkpoints: Map<number, CheckpointFacts>): string[] {
  let hint: LastCheckpointHint;
  try {
    hint = JSON.parse(new TextDecoder().decode(bytes)) as LastCheckpointHint;
  } catch {
    return ['is not valid JSON'];
  }
  if (typeof hint !== 'object' || hint === null) return ['is not a JSON object'];
  const { version } = hint;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    return [`"version" must be a whole number ≥ 0, not ${JSON.stringify(version)}`];
  }
  const newest = Math.max(-1, ...listing.checkpoints.keys());
  const parts = listing.checkpoints.get(version);
  if (!parts) {
    return [`names version ${version}, which has no checkpoint${newest >= 0 ? ` (the newest is version ${newest})` : ''}`];
  }
  // A hint naming an older checkpoint than the newest is no problem: the checkpoint and the hint are two
  // writes, a writer killed between them leaves the old hint, and readers list onwards from it (PROTOCOL.md
  // treats _last_checkpoint as a hint).
  const findings: string[] = [];
  if (hint.parts !== undefined && hint.parts !== null && hint.parts !== parts.length) {
    findings.push(`says ${JSON.stringify(hint.parts)} parts, the checkpoint has ${parts.length}`);
  }
  const facts = checkpoints.get(version);
  if (facts && hint.size !== undefined && hint.size !== facts.rows) {
    findings.push(`says the checkpoint holds ${JSON.stringify(hint.size)} actions, it holds ${facts.rows}`);
  }
  if (facts && hint.sizeInBytes !== undefined && hint.sizeInBytes !== facts.bytes) {
    findings.push(`says the checkpoint has ${JSON.stringify(hint.sizeInBytes)} bytes, it has ${facts.bytes}`);
  }
  return findings;
}
