/**
 * Commit identity: the one way Lakebench settles a conditional write whose outcome it does not know.
 *
 * A conditional PUT (If-None-Match: * for a new log entry, If-Match for a read-modify-write) can land
 * on the store while its answer is lost — a reset, a timeout, a cut body — and sent again it then fails
 * its own precondition (412). Treating that 412 as a concurrent writer reports a commit that landed as
 * failed, or applies it again at the next version. So every such write carries an id of its writer
 * (Delta `commitInfo.txnId`, a field in a DES sidecar or Lakeside log entry, …), and after a 412 — or
 * any failure once the request may have been sent — the object is read back: our id there means the
 * write landed ("mine, done"); another's means a real conflict; the old state still there means it
 * did not land, and it is sent again (still conditional, so never over another writer's). Never a
 * blind retry.
 *
 * `settleConditionalWrite` is the protocol for any compare-and-swap (a catalog's conditional update
 * works the same way); `conditionalPut` applies it to an object store key.
 */
import { isLakebenchError, LakebenchError } from '../errors';
import { outsideAbortScope } from './request-scope';
import type { ObjectStore } from './types';

/** What a read-back finds where the write went. */
export type Observed =
  /** Our write (its writer id): it landed. */
  | 'ours'
  /** Another writer's: the precondition failed for real. */
  | 'theirs'
  /** What the precondition expects is still there (the key is absent, the ETag unchanged): it did not land. */
  | 'unchanged';

export interface SettleOptions {
  /** What the write is, for messages (a URL). */
  object: string;
  /** Sends of the write before giving up (default 6). */
  attempts?: number;
}

const DEFAULT_ATTEMPTS = 6;
/** A read-back after a cancel or deadline runs outside the job's signal for at most this long. */
export const READ_BACK_GRACE_MS = 15_000;
const BACKOFF_BASE_MS = 50;

/** Failures that say the write was refused before it could have landed: nothing to read back. */
const REFUSED = ['ACCESS_DENIED', 'WRONG_REGION', 'OUTSIDE_LOCATION', 'USAGE', 'NOT_FOUND'] as const;

function refused(error: unknown): boolean {
  return REFUSED.some((code) => isLakebenchError(error, code));
}

/**
 * Settles a compare-and-swap. `attempt` sends the write once: true when it was applied, false when its
 * precondition failed, and throws when the outcome is unknown. `observe` reads what is there now.
 * Answers true when our write is in place (by this or an earlier attempt), false when another writer's is.
 */
export async function settleConditionalWrite(
  attempt: () => Promise<boolean>,
  observe: () => Promise<Observed>,
  options: SettleOptions,
): Promise<boolean> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  for (let n = 1; ; n++) {
    let failure: unknown;
    try {
      if (await attempt()) return true;
    } catch (e) {
      if (refused(e)) throw e;
      failure = e;
    }
    let seen: Observed;
    try {
      seen = await readBack(observe);
    } catch (e) {
      throw unknownOutcome(failure ?? e, e, options.object);
    }
    if (seen === 'ours') return true;
    if (seen === 'theirs') return false;
    // Not landed. A cancelled write ends here, cleanly; anything else is sent again.
    if (isLakebenchError(failure, 'CANCELLED')) throw failure;
    if (n >= attempts) {
      throw failure ?? new LakebenchError('CONFLICT', `the write was refused ${n} times although nothing else was written there`, { object: options.object });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * BACKOFF_BASE_MS * 2 ** n));
  }
}

/** Reads back after a read-back failed, each try already retried by the store, before an outcome is called unknown. */
const READ_BACK_TRIES = 3;

/**
 * Reads what a write left, patiently: a few tries (each already retried by the store), outside the job's
 * abort scope — asked even when a cancel or deadline cut the write short, because whether it landed
 * decides what to report. Also for checks that settle a write after it (des-tombstone.ts).
 */
export async function readBack<T>(read: () => Promise<T>): Promise<T> {
  return outsideAbortScope(READ_BACK_GRACE_MS, async () => {
    for (let n = 1; ; n++) {
      try {
        return await read();
      } catch (e) {
        if (n >= READ_BACK_TRIES || refused(e)) throw e;
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_BASE_MS * 2 ** n));
      }
    }
  });
}

function unknownOutcome(failure: unknown, readBackError: unknown, object: string): LakebenchError {
  const why = failure instanceof Error ? failure.message : String(failure);
  const readBack = readBackError === failure ? '' : `; reading it back failed too (${readBackError instanceof Error ? readBackError.message : String(readBackError)})`;
  return new LakebenchError(isLakebenchError(failure) ? failure.code : 'IO', `${why}${readBack}: whether the write landed is unknown; check before running it again`, {
    object,
    cause: failure,
  });
}

export interface ConditionalPut {
  key: string;
  body: Uint8Array | string;
  /** Replace only the object with this ETag; undefined: create only if absent. */
  ifMatch?: string;
  /** Whether the object's bytes are this write's (its writer id is in them). */
  isOurs(existing: Uint8Array): boolean;
}

/** A conditional PUT settled by commit identity: true when ours is in place, false when another writer's is. */
export function conditionalPut(store: ObjectStore, put: ConditionalPut): Promise<boolean> {
  const send = () => (put.ifMatch === undefined ? store.putIfAbsent(put.key, put.body) : store.putIfMatch(put.key, put.body, put.ifMatch));
  const observe = async (): Promise<Observed> => {
    const info = await store.head(put.key);
    if (!info) return put.ifMatch === undefined ? 'unchanged' : 'theirs';
    if (put.ifMatch !== undefined && info.etag === put.ifMatch) return 'unchanged';
    let ours = false;
    try {
      ours = put.isOurs(await store.get(put.key));
    } catch (e) {
      if (!isLakebenchError(e, 'CORRUPT') && !(e instanceof SyntaxError)) throw e;
    }
    return ours ? 'ours' : 'theirs';
  };
  return settleConditionalWrite(send, observe, { object: store.urlOf(put.key) });
}

/** A JSON document's writer-id field equals `id` (false for anything that does not parse). */
export function jsonFieldIs(bytes: Uint8Array, read: (document: Record<string, unknown>) => unknown, id: string): boolean {
  try {
    const document = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return document !== null && typeof document === 'object' && read(document as Record<string, unknown>) === id;
  } catch {
    return false;
  }
}
