/** The commits of a Delta log as written (for checks that no commit was applied twice). */
import { commitKey } from '../../core/formats/delta/log-files';
import { listLog } from '../../core/formats/delta/log-listing';
import { parseCommit } from '../../core/formats/delta/parse';
import type { ObjectStore } from '../../core/storage/types';

export interface LoggedCommit {
  version: number;
  operation?: string;
  txnId?: string;
  /** Paths the commit adds. */
  adds: string[];
}

/** Log entries are never rewritten: each is read once per process (by store, version and ETag). */
const parsed = new Map<string, LoggedCommit>();

export async function loggedCommits(store: ObjectStore): Promise<LoggedCommit[]> {
  const { commits } = await listLog(store);
  const versions = [...commits.keys()].sort((a, b) => a - b);
  return Promise.all(
    versions.map(async (version) => {
      const cacheKey = `${store.id}|${version}|${commits.get(version)!.etag ?? ''}`;
      const known = parsed.get(cacheKey);
      if (known) return known;
      const actions = parseCommit(await store.get(commitKey(version)), store.urlOf(commitKey(version)));
      const info = actions.find((a) => 'commitInfo' in a);
      const commitInfo = info && 'commitInfo' in info ? info.commitInfo : undefined;
      const commit = {
        version,
        operation: commitInfo?.operation,
        txnId: typeof commitInfo?.txnId === 'string' ? commitInfo.txnId : undefined,
        adds: actions.flatMap((a) => ('add' in a ? [a.add.path] : [])),
      };
      parsed.set(cacheKey, commit);
      return commit;
    }),
  );
}

/** Throws when two commits carry one txnId or add one path: the same commit applied twice. */
export function assertNoDuplicateCommit(commits: LoggedCommit[], where: string): void {
  const txns = new Map<string, number>();
  const adds = new Map<string, number>();
  for (const c of commits) {
    if (c.txnId !== undefined) {
      if (txns.has(c.txnId)) throw new Error(`${where}: versions ${txns.get(c.txnId)} and ${c.version} carry the same txnId ${c.txnId}`);
      txns.set(c.txnId, c.version);
    }
    for (const p of c.adds) {
      if (adds.has(p)) throw new Error(`${where}: versions ${adds.get(p)} and ${c.version} both add ${p}`);
      adds.set(p, c.version);
    }
  }
}
