/**
 * The table a staging area (`data/` + `schema/`) is compacted into when no other is named: the Delta
 * table `<staging>/delta`. One rule for `lakebench compact-staging`, the app's Staging job and the
 * explorer's note on a staging folder, so the note names the table the compaction will write. (A
 * Lakeside bucket is its own target: its staging area sits beside its `parquet/` and `_lakeside_log/`.)
 */
export const STAGING_TARGET_FOLDER = 'delta';

/** `s3://b/staging/` → `s3://b/staging/delta`; works on URLs, paths and explorer keys alike. */
export const stagingTarget = (staging: string): string => `${staging.replace(/\/+$/, '')}/${STAGING_TARGET_FOLDER}`;
