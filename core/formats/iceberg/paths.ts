/**
 * Iceberg metadata records every file by its absolute location as written (`s3://…`, `s3a://…` from
 * Hadoop, `file:/…`). A table that was copied or moved keeps those paths, so they are resolved
 * against where the table is now: a recorded path under one of the table's recorded roots (its
 * `location`, and the roots its own metadata and manifest-list paths show it was written at) becomes
 * the same key under the store root. Only keys inside the table's store are ever produced.
 */
import { LakebenchError } from '../../errors';
import type { TableMetadata } from './metadata';

/** `s3a://`, `s3n://` and `s3://` name the same objects; `file:/x`, `file:///x` and `/x` the same file. */
export function canonicalLocation(location: string): string {
  let canonical = location.trim();
  canonical = canonical.replace(/^s3[an]?:\/\//i, 's3://');
  canonical = canonical.replace(/^file:(\/\/)?(?=\/)/i, '');
  return canonical.replace(/\/+$/, '');
}

const METADATA_SEGMENT = '/metadata/';

/** The roots the table was written at: its location, and the folders holding its recorded metadata files. */
export function recordedRoots(metadata: TableMetadata): string[] {
  const roots = new Set([canonicalLocation(metadata.location)]);
  const metadataPaths = [
    ...metadata.metadataLog.map((entry) => entry.metadataFile),
    ...metadata.snapshots.flatMap((s) => [...(s.manifestList ? [s.manifestList] : []), ...(s.manifests ?? [])]),
  ];
  for (const path of metadataPaths) {
    const canonical = canonicalLocation(path);
    const at = canonical.lastIndexOf(METADATA_SEGMENT);
    if (at > 0) roots.add(canonical.slice(0, at));
  }
  // Longest first: a nested root must win over its parent.
  return [...roots].sort((a, b) => b.length - a.length);
}

export class PathResolver {
  private readonly roots: string[];

  constructor(
    metadata: TableMetadata,
    /** URL of the table's store root, for messages. */
    private readonly tableUrl: string,
  ) {
    this.roots = recordedRoots(metadata);
  }

  /** The store key of a recorded path; OUTSIDE_LOCATION naming the path when it is not under the table. */
  keyOf(recorded: string): string {
    return decodeKey(this.relativeOf(recorded));
  }

  /**
   * Every key a recorded path may name: the path as recorded under the table and, when it holds
   * percent-escapes, decoded. A `file:` URI escapes a space the file name holds, while S3FileIO
   * writes the recorded text as the key itself (`%3A` in an escaped partition value stays `%3A`):
   * which one a writer did cannot be told from the path, so whoever asks whether an object is
   * referenced must take both.
   */
  keysOf(recorded: string): string[] {
    const relative = this.relativeOf(recorded);
    const decoded = decodeKey(relative);
    return decoded === relative ? [relative] : [relative, decoded];
  }

  /** The recorded path relative to the table root, escapes left as recorded. */
  private relativeOf(recorded: string): string {
    const canonical = canonicalLocation(recorded);
    for (const root of this.roots) {
      if (canonical.startsWith(`${root}/`)) return canonical.slice(root.length + 1);
    }
    // A relative path (some writers record them for metadata files) is relative to the table root.
    if (!/^[a-z][a-z0-9+.-]*:/i.test(recorded) && !recorded.startsWith('/')) return recorded;
    // Written at a root nothing else recorded: the table's own folders are its last anchor.
    for (const folder of ['/data/', METADATA_SEGMENT]) {
      const at = canonical.lastIndexOf(folder);
      if (at >= 0) return canonical.slice(at + 1);
    }
    throw new LakebenchError(
      'OUTSIDE_LOCATION',
      `the file ${recorded} lies outside the table (recorded roots: ${this.roots.join(', ')}), which Lakebench does not read`,
      { object: this.tableUrl },
    );
  }
}

/** Recorded locations are URIs; a key is the plain object name (Java writes `%20` for a space in file: URIs). */
function decodeKey(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
