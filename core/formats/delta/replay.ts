/**
 * Log replay (PROTOCOL.md, "Action Reconciliation"): the latest protocol, metaData and per-domain
 * domainMetadata win; a logical file is its path *and* its deletion vector, so a commit that deletes
 * more rows of a file removes (path, old DV) and adds (path, new DV). Live files are unique by path
 * (the newest add of each); tombstones are unique by (path, DV), for VACUUM. Pure functions over
 * actions; no storage here.
 */
import type { Action, AddFile, DomainMetadata, Metadata, Protocol, RemoveFile, Txn } from './actions';
import { deletionVectorOf, dvUniqueId } from './deletion-vector';

export interface TableState {
  /** The version the state is at (-1 before any commit). */
  version: number;
  protocol?: Protocol;
  metadata?: Metadata;
  /** Live files keyed by their canonical path (decodedPath); each action keeps its original `path` string. */
  files: Map<string, AddFile>;
  /** Tombstones keyed by logicalFileKey (canonical path and DV id). */
  tombstones: Map<string, RemoveFile>;
  /** Latest transaction version per application id. */
  txns: Map<string, Txn>;
  /** Live metadata domains (removed ones are dropped). */
  domains: Map<string, DomainMetadata>;
}

export function emptyState(): TableState {
  return { version: -1, files: new Map(), tombstones: new Map(), txns: new Map(), domains: new Map() };
}

/**
 * The canonical form of a path from the log: percent-decoded once (paths are URIs; `a%20b` and `a b`
 * name one file), and a `file:` URI without a host reduced to its absolute path, so that `file:/x`,
 * `file:///x` and `/x` are one file. A path that is not valid percent-encoding is taken literally.
 */
export function decodedPath(path: string): string {
  let decoded = path;
  if (path.includes('%')) {
    try {
      decoded = decodeURIComponent(path);
    } catch {
      decoded = path;
    }
  }
  const local = /^file:(?:\/\/(?:localhost)?)?(\/.*)$/i.exec(decoded);
  return local ? local[1] : decoded;
}

/** The identity of a logical file in replay: its canonical path and its DV's unique id. */
export function logicalFileKey(action: AddFile | RemoveFile): string {
  const dv = dvUniqueId(deletionVectorOf(action));
  return dv === undefined ? decodedPath(action.path) : `${decodedPath(action.path)}\u0000${dv}`;
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
    domains: new Map(state.domains),
  };
  for (const { version, actions } of commits) {
    for (const action of actions) applyInPlace(next, action);
    next.version = version;
  }
  return next;
}

function applyInPlace(state: TableState, action: Action): void {
  if ('add' in action) {
    const add = action.add;
    state.files.set(decodedPath(add.path), add);
    state.tombstones.delete(logicalFileKey(add));
  } else if ('remove' in action) {
    const remove = action.remove;
    const path = decodedPath(remove.path);
    const live = state.files.get(path);
    // A remove of the file with another DV (the one a same-commit add replaced) leaves the live file alone.
    if (live && logicalFileKey(live) === logicalFileKey(remove)) state.files.delete(path);
    state.tombstones.set(logicalFileKey(remove), remove);
  } else if ('protocol' in action) {
    state.protocol = action.protocol;
  } else if ('metaData' in action) {
    state.metadata = action.metaData;
  } else if ('txn' in action) {
    state.txns.set(action.txn.appId, action.txn);
  } else if ('domainMetadata' in action) {
    const domain = action.domainMetadata;
    if (domain.removed) state.domains.delete(domain.domain);
    else state.domains.set(domain.domain, domain);
  }
}
