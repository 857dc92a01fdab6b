/**
 * Default options of the maintenance operations, shared by the CLI flags and the app's Maintenance panel.
 * A plain constants module: the renderer bundles it too.
 */
export const MAINTENANCE_DEFAULTS = {
  /** Compaction target file size. */
  targetSize: 128 * 1024 * 1024,
  /** Compact a partition only when it has at least this many small files. */
  minFiles: 5,
  /** Compaction's local scratch space at once (downloaded inputs, written files not yet uploaded): a laptop's few free GB. */
  scratchLimit: 4 * 1024 * 1024 * 1024,
  /** Vacuum keeps files removed or written more recently than this (Delta's deletedFileRetentionDuration). */
  retentionMs: 168 * 3600_000,
  /** Expire keeps log entries younger than this (Delta's logRetentionDuration). */
  logRetentionMs: 30 * 24 * 3600_000,
  /** Iceberg expire keeps snapshots younger than this (Iceberg's history.expire.max-snapshot-age-ms default). */
  icebergSnapshotAgeMs: 5 * 24 * 3600_000,
  /** Iceberg orphans are objects older than this (remove_orphan_files' default). */
  icebergOrphanAgeMs: 3 * 24 * 3600_000,
  /** DES repack takes shards with at least this share of tombstoned entries. */
  desMinDeletionRatio: 0.2,
  /** A shard a DES repack replaced stays this long for readers that listed before the swap. */
  desGraceMs: 48 * 3600_000,
} as const;
