/**
 * What verify reports: one problem per object and kind, each naming the object by URL, and the totals
 * of what was checked. Shapes shared with repack (--drop-corrupt) and the maintenance log.
 */

export type ProblemKind =
  | 'log-gap' // a version between the oldest readable one and the latest has no commit file (or `_lakeside_log` entry)
  | 'log-unparsable' // a commit or checkpoint that cannot be parsed
  | 'checkpoint-mismatch' // a checkpoint whose state differs from replaying the JSON commits
  | 'last-checkpoint' // `_last_checkpoint` unreadable, or naming a missing, wrong-sized or old checkpoint
  | 'missing-file' // a live data file that does not exist
  | 'size-mismatch' // a data file whose size differs from the size the log records
  | 'bad-magic' // no `PAR1` at the start or end of a data file (DES: no `DES2` header or `DESI` footer)
  | 'bad-footer' // a footer that cannot be parsed or points outside the file
  | 'row-count-mismatch' // footer row count differs from the log's stats.numRecords
  | 'decode-error' // a page DuckDB cannot decode, or whose header or compressed bytes do not hold up (--deep; parquet-wasm's error added)
  | 'page-crc-mismatch' // a page whose CRC32 differs from its header's (--deep)
  | 'bad-deletion-vector' // a DV whose file range, size word or CRC is wrong; with --deep also its bitmap, cardinality or row positions
  // DES archives
  | 'bad-index' // a shard index that cannot be parsed or points outside the shard
  | 'checksum-mismatch' // an entry whose bytes differ from the sidecar's sha256 (or a big file from its hash)
  | 'sidecar-mismatch' // a sidecar that disagrees with its shard (size, entries, locations) or cannot be read
  | 'missing-sidecar' // a shard without its .meta sidecar
  | 'lonely-sidecar' // a sidecar without its shard
  // LakeSync and Lakeside buckets
  | 'bad-delta' // a LakeSync envelope that does not parse, or a malformed delta in it
  | 'envelope-mismatch' // deltaCount, hlcRange or the file name's HLC range disagreeing with the deltas
  | 'bad-record' // a staged Lakeside record that does not fit schema/schema.json
  // Iceberg bookkeeping
  | 'manifest-count-mismatch' // a manifest list row whose added/existing/deleted file or row counts differ from its manifest's entries
  | 'summary-mismatch'; // a snapshot summary whose file or record counts differ from its manifests

export interface VerifyProblem {
  /** URL of the object (data file, log entry, `_last_checkpoint`, or the table itself). */
  object: string;
  kind: ProblemKind;
  detail: string;
}

export interface VerifyReport {
  location: string;
  problems: VerifyProblem[];
  /** Data files (DES: shards) checked and their bytes; for DES also the entries. */
  checked: { files: number; bytes: number; entries?: number };
  /** DES: objects no reader uses that a later repack removes (output of an unfinished repack). */
  orphans?: string[];
  /** Share of checked data files with at least one problem (0 when none were checked). */
  corruption_rate: number;
}

/** Options every verify entry point takes besides OpOptions. */
export interface VerifyOptions {
  /** Also decode every page (DuckDB), decompress and count it from the raw bytes, and check page CRCs. */
  deep?: boolean;
}
