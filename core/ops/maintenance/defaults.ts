/**
 * Default options of the maintenance operations, shared by the CLI flags and the app's Maintenance panel.
 * A plain constants module: the renderer bundles it too.
 */
export const MAINTENANCE_DEFAULTS = {
  /** Compaction target file size. */
  targetSize: 128 * 1024 * 1024,
  /** Compact a partition only when it has at least this many small files. */
  minFiles: 5,
  /** Vacuum keeps files removed or written more recently than this (Delta's deletedFileRetentionDuration). */
  retentionMs: 168 * 3600_000,
  /** Expire keeps log entries younger than this (Delta's logRetentionDuration). */
  logRetentionMs: 30 * 24 * 3600_000,
} as const;
