/**
 * Checks of a Delta log: every commit and checkpoint parses; the versions from the oldest readable one
 * (version 0 or the oldest checkpoint) to the latest are contiguous; each checkpoint holds the state
 * replaying the JSON commits gives; `_last_checkpoint` is sane. Also yields the live files a reader
 * sees at the latest version (newest checkpoint, then the commits after it), for the data-file
 * checks — best effort when the log is damaged: unreadable commits are skipped, never fatal.
 */
import { parquetMetadata } from 'hyparquet';
import { isLakebenchError } from '../../errors';
import type { Action, AddFile } from '../../formats/delta/actions';
import { loadCheckpoint } from '../../formats/delta/checkpoint-read';
import { commitKey } from '../../formats/delta/log-files';
import { earliestReadableVersion, latestListedVersion, listLog, type LogListing } from '../../formats/delta/log-listing';
import { parseCommit } from '../../formats/delta/parse';
import { statsRecordCount } from '../../formats/delta/stats';
import { emptyState, replay, type TableState } from '../../formats/delta/replay';
import { fileKeyOf } from '../../sql/delta-source';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectInfo, ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkCancelled } from '../table-references';
import type { DataFileRef } from './file-checks';
import { checkLastCheckpoint, type CheckpointFacts } from './last-checkpoint';
import type { VerifyProblem } from './problems';
import { compareStates } from './state-diff';

export interface LogCheck {
  problems: VerifyProblem[];
  /** Live files at the latest version as a reader sees them (empty when no version is readable). */
  files: DataFileRef[];
  /** Their `add` actions (deletion vectors included). */
  adds: AddFile[];
}

/** Parallel reads of log entries: hides S3 latency without flooding it (as the table reader does). */
const READ_CONCURRENCY = 16;

type Commit = { version: number; actions: Action[] };

export async function checkDeltaLog(store: ObjectStore, { signal, onProgress }: OpOptions = {}): Promise<LogCheck> {
  const problems: VerifyProblem[] = [];
  const listing = await listLog(store);
  const total = listing.commits.size + listing.checkpoints.size;
  let done = 0;
  const step = () => {
    checkCancelled(signal, store);
    onProgress?.({ phase: 'log', done: ++done, total, bytes: 0 });
  };
  const unparsable = (info: ObjectInfo, e: unknown) => {
    const object = store.urlOf(info.key);
    problems.push({ object, kind: 'log-unparsable', detail: withoutObjectPrefix((e as Error).message, object) });
  };

  const commits = new Map<number, Action[]>();
  await mapWithConcurrency([...listing.commits], READ_CONCURRENCY, async ([version, info]) => {
    const bytes = await store.get(info.key);
    try {
      commits.set(version, parseCommit(bytes, store.urlOf(info.key)));
    } catch (e) {
      unparsable(info, e);
    }
    step();
  });
  const checkpoints = new Map<number, Action[]>();
  const checkpointFacts = new Map<number, CheckpointFacts>();
  await mapWithConcurrency([...listing.checkpoints], READ_CONCURRENCY, async ([version, parts]) => {
    try {
      checkpoints.set(version, await loadCheckpoint(store, parts));
      const bytes = await Promise.all(parts.map((part) => store.get(part.key)));
      checkpointFacts.set(version, {
        rows: bytes.reduce((sum, part, i) => sum + checkpointRows(parts[i].key, part), 0),
        bytes: bytes.reduce((sum, part) => sum + part.length, 0),
      });
    } catch (e) {
      // Storage failures stop the run; an unparsable checkpoint or a missing sidecar is a finding.
      if (isLakebenchError(e) && e.code !== 'CORRUPT' && e.code !== 'NOT_FOUND') throw e;
      unparsable(parts[0], e);
    }
    step();
  });

  const start = earliestReadableVersion(listing);
  const latest = latestListedVersion(listing);
  let reader: TableState | undefined;
  if (start === undefined || latest === undefined) {
    problems.push({
      object: store.urlOf(commitKey(0)),
      kind: 'log-gap',
      detail: 'the log has neither the commit of version 0 nor a checkpoint: no version can be read',
    });
  } else {
    reader = walkVersions(store, { start, latest, commits, checkpoints, listing }, problems);
  }
  const hint = await checkLastCheckpoint(store, listing, checkpointFacts);
  if (hint) problems.push(hint);
  return { problems: sortByObject(problems), files: reader ? liveFiles(reader, store.url) : [], adds: reader ? [...reader.files.values()] : [] };
}

interface VersionWalk {
  start: number;
  latest: number;
  /** Commits and checkpoints that parsed, by version. */
  commits: Map<number, Action[]>;
  checkpoints: Map<number, Action[]>;
  /** Everything listed, parsed or not. */
  listing: LogListing;
}

/**
 * Walks the versions from `start` to `latest`, keeping two states: the JSON replay (anchored at
 * version 0 or, after a break, at the next checkpoint) that each checkpoint is compared with, and the
 * reader's state (restarted at each checkpoint). Commits are replayed in runs between checkpoints, so
 * the maps are copied once per run rather than per commit.
 */
function walkVersions(store: ObjectStore, walk: VersionWalk, problems: VerifyProblem[]): TableState | undefined {
  const { start, latest, commits, checkpoints, listing } = walk;
  let json: TableState | undefined = start === 0 && listing.commits.has(0) ? emptyState() : undefined;
  let reader = json;
  let pending: Commit[] = [];
  const advance = () => {
    if (pending.length === 0) return;
    const shared = reader === json;
    if (json) json = replay(json, pending);
    if (reader) reader = shared ? json : replay(reader, pending);
    pending = [];
  };
  let gapFrom: number | undefined;
  const closeGap = (to: number) => {
    if (gapFrom === undefined) return;
    const object = store.urlOf(commitKey(gapFrom));
    const versions = gapFrom === to ? `version ${gapFrom} has` : `versions ${gapFrom}..${to} have`;
    problems.push({ object, kind: 'log-gap', detail: `${versions} no commit file, so ${gapFrom === to ? 'it' : 'they'} cannot be read` });
    gapFrom = undefined;
  };

  for (let version = start; version <= latest; version++) {
    const actions = commits.get(version);
    if (actions) {
      pending.push({ version, actions });
    } else {
      advance();
      json = undefined; // the JSON chain is broken here; the next checkpoint re-anchors it
    }
    // A version with a checkpoint but no commit is still readable (its commit may have been expired).
    const missing = !listing.commits.has(version) && !listing.checkpoints.has(version);
    if (missing) gapFrom ??= version;
    else closeGap(version - 1);

    const checkpointActions = checkpoints.get(version);
    if (!checkpointActions) continue;
    advance();
    const fromCheckpoint = replay(emptyState(), [{ version, actions: checkpointActions }]);
    const difference = json && compareStates(json, fromCheckpoint);
    if (difference) {
      const object = store.urlOf(listing.checkpoints.get(version)![0].key);
      problems.push({ object, kind: 'checkpoint-mismatch', detail: `differs from replaying the JSON commits: ${difference}` });
      reader = fromCheckpoint; // readers start from the checkpoint, so that is what they see
    } else {
      json ??= fromCheckpoint;
      reader = json;
    }
  }
  closeGap(latest);
  advance();
  return reader;
}

/** Actions in one checkpoint file: Parquet rows, or lines of a JSON (v2) checkpoint. */
function checkpointRows(key: string, bytes: Uint8Array): number {
  if (key.endsWith('.json')) return new TextDecoder().decode(bytes).split('\n').filter((line) => line.trim() !== '').length;
  return Number(parquetMetadata(bytes, { geoparquet: false }).num_rows);
}

function liveFiles(state: TableState, tableUrl: string): DataFileRef[] {
  const files: DataFileRef[] = [];
  for (const add of state.files.values()) {
    let path: string;
    try {
      path = fileKeyOf(add, tableUrl);
    } catch {
      continue; // an absolute URI (shallow clone) outside the table: Lakebench reads none, so verify neither
    }
    files.push({ path, size: add.size, numRecords: statsRecordCount(add) });
  }
  return files;
}

/** Errors name their object at the front of the message; a problem names it in its own field. */
function withoutObjectPrefix(message: string, object: string): string {
  return message.startsWith(`${object}: `) ? message.slice(object.length + 2) : message;
}

function sortByObject(problems: VerifyProblem[]): VerifyProblem[] {
  return problems.sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
}
