/**
 * Log replay (PROTOCOL.md, "Action Reconciliation"): the latest protocol and metaData win, and per
 * file path the newest add or remove wins — surviving adds are the live files, surviving removes the
 * tombstones VACUUM needs. Pure functions over actions; no storage here.
 */
import type { Action, AddFile, Metadata, Protocol, RemoveFile, Txn } from './actions';

export interface TableState {
  /** The version the state is at (-1 before any commit). */
  version: number;
  protocol?: Protocol;
  metadata?: Metadata;
  /** Live files keyed by their decoded path; each action keeps its original `path` string. */
  files: Map<string, AddFile>;
  tombstones: Map<string, RemoveFile>;
  /** Latest transaction version per application id. */
  txns: Map<string, Txn>;
}

export function emptyState(): TableState {
  return { version: -1, files: new Map(), tombstones: new Map(), txns: new Map() };
}

/**
 * Paths are URL-encoded URIs; two spellings of one file (`a%20b` and `a b`) are the same file. A
 * path that is not valid percent-encoding is taken literally rather than failing the table.
 */
export function decodedPath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The state after the commit `version` with `actions`; `state` is left unchanged. */
export function applyActions(state: TableState, version: number, actions: readonly Action[]): TableState {
  return replay(state, [{ version, actions }]);
}

/** The state after applying `commits` in order; `state` is left unchanged. Copies the maps once, not per commit. */
export function replay(state: TableState, commits: Iterable<{ version: number; actions: readonly Action[] }>): TableState {
  const next: TableState = {
    ...state,
    files: new Map(state.files),
    tombstones: new Map(state.tombstones),
    txns: new Map(state.txns),
  };
  for (const { version, actions } of commits) {
    for (const action of actions) applyInPlace(next, action);
    next.version = version;
  }
  return next;
}

function applyInPlace(state: TableState, action: Action): void {
  if ('add' in action) {
    const key = decodedPath(action.add.path);
    state.files.set(key, action.add);
    state.tombstones.delete(key);
  } else if ('remove' in action) {
    const key = decodedPath(action.remove.path);
    state.files.delete(key);
    state.tombstones.set(key, action.remove);
  } else if ('protocol' in action) {
    state.protocol = action.protocol;
  } else if ('metaData' in action) {
    state.metadata = action.metaData;
  } else if ('txn' in action) {
    state.txns.set(action.txn.appId, action.txn);
  }
}
