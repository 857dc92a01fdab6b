/**
 * Names of the files in `_delta_log/` (PROTOCOL.md, "Delta Log Entries", "Checkpoints",
 * "Last Checkpoint File"): commits, classic and multi-part checkpoints, and UUID-named (v2)
 * checkpoints in JSON or Parquet. Anything else found there — Hadoop `.crc` files, `.tmp/` leftovers
 * of uncommitted writes, staged commits, log compaction files (an optional shortcut a reader may
 * ignore), the sidecars under `_sidecars/` (read through the checkpoint naming them) — is `other`.
 */

export const LOG_DIR = '_delta_log/';
export const SIDECAR_DIR = `${LOG_DIR}_sidecars/`;
export const LAST_CHECKPOINT_KEY = `${LOG_DIR}_last_checkpoint`;

/** Narrows on `kind`; the optional fields are declared on every member so that `name.version` reads as undefined. */
export type LogFileName =
  | { kind: 'commit'; version: number; part?: undefined; parts?: undefined }
  /**
   * Classic single-file checkpoint (part 1 of 1), part `part` of a `parts`-part checkpoint, or a
   * UUID-named v2 checkpoint (`uuid` set; one part, JSON or Parquet).
   */
  | { kind: 'checkpoint'; version: number; part: number; parts: number; uuid?: string }
  | { kind: 'last_checkpoint' | 'other'; version?: undefined; part?: undefined; parts?: undefined };

const COMMIT = /^(\d{20})\.json$/;
const SINGLE_CHECKPOINT = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI_PART_CHECKPOINT = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const UUID_CHECKPOINT = /^(\d{20})\.checkpoint\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(?:json|parquet)$/i;

/** Classifies a file by name: a bare name or a key such as `_delta_log/00000000000000000003.json`. */
export function parseLogFileName(name: string): LogFileName {
  const base = name.startsWith(LOG_DIR) ? name.slice(LOG_DIR.length) : name;
  if (base === '_last_checkpoint') return { kind: 'last_checkpoint' };
  let match = COMMIT.exec(base);
  if (match) return { kind: 'commit', version: Number(match[1]) };
  match = SINGLE_CHECKPOINT.exec(base);
  if (match) return { kind: 'checkpoint', version: Number(match[1]), part: 1, parts: 1 };
  match = UUID_CHECKPOINT.exec(base);
  if (match) return { kind: 'checkpoint', version: Number(match[1]), part: 1, parts: 1, uuid: match[2] };
  match = MULTI_PART_CHECKPOINT.exec(base);
  if (match) {
    const part = Number(match[2]);
    const parts = Number(match[3]);
    if (part >= 1 && part <= parts) return { kind: 'checkpoint', version: Number(match[1]), part, parts };
  }
  return { kind: 'other' };
}

/** The version as the protocol's 20-digit, zero-padded file-name prefix. */
export function versionPrefix(version: number): string {
  return String(version).padStart(20, '0');
}

export function commitKey(version: number): string {
  return `${LOG_DIR}${versionPrefix(version)}.json`;
}

/** Key of the classic single-file checkpoint of `version`, or of a UUID-named (v2) one in Parquet. */
export function checkpointKey(version: number, uuid?: string): string {
  return `${LOG_DIR}${versionPrefix(version)}.checkpoint.${uuid ? `${uuid}.` : ''}parquet`;
}
