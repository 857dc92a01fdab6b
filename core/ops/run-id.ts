/** Ids of maintenance runs (compact-staging manifests, repack quarantine folders). */
import { randomBytes } from 'node:crypto';

/** Sortable by start time, unique: `20261123T081500123Z-1a2b3c4d`. */
export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
}
