/**
 * What the maintenance log keeps of an operation's result, and the one-line summary of it that
 * `lakebench log`, `lakebench maintain` and the app's Maintenance panel show. Pure: the renderer uses it too.
 */
import bytes from 'bytes';

/** Lists in a stored result keep this many entries: the log is for reading; the full report is the command's output. */
export const MAX_LISTED = 100;
const MORE = /^… and (\d+) more$/;

/** The result as stored: JSON, each list longer than MAX_LISTED cut to its first entries plus `… and N more`. */
export function storedDetails(result: unknown): unknown {
  const json = JSON.stringify(result ?? null, (_key, value: unknown) =>
    Array.isArray(value) && value.length > MAX_LISTED ? [...value.slice(0, MAX_LISTED), `… and ${value.length - MAX_LISTED} more`] : value,
  );
  return JSON.parse(json) as unknown;
}

/** How many entries a (possibly cut) stored list had. */
export function listedCount(list: unknown): number {
  if (!Array.isArray(list)) return 0;
  const more = typeof list.at(-1) === 'string' ? MORE.exec(list.at(-1) as string) : null;
  return more ? list.length - 1 + Number(more[1]) : list.length;
}

type Fields = Record<string, unknown>;
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const size = (value: unknown): string => bytes.format(num(value), { unitSeparator: ' ' }) ?? '0 B';
const plural = (n: number, noun: string, nouns = `${noun}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? noun : nouns}`;

/** One line saying what a run did, or for a dry run would do (the caller says that it is a plan), from its stored details. */
export function summarizeMaintenance(run: { operation: string; status: string; details: unknown; dryRun?: boolean }): string {
  const { operation, status } = run;
  const d = (run.details ?? {}) as Fields;
  if (status === 'failed' || status === 'cancelled') return typeof d.error === 'string' ? d.error : status;
  const dry = run.dryRun ?? d.dryRun === true;
  switch (operation) {
    case 'compact': {
      const plan = Array.isArray(d.plan) ? (d.plan as Fields[]) : [];
      if (d.version === undefined && d.snapshotId === undefined && plan.length === 0) return 'nothing to compact';
      if (dry) {
        const files = plan.reduce((n, p) => n + num(p.files), 0);
        const out = plan.reduce((n, p) => n + num(p.outputFiles), 0);
        const inBytes = plan.reduce((n, p) => n + num(p.bytes), 0);
        return `${plural(plan.length, 'partition')}, ${plural(files, 'file')} (${size(inBytes)}) → ${plural(out, 'file')}`;
      }
      // Iceberg's compaction commits a snapshot where Delta's commits a version.
      const commit = typeof d.snapshotId === 'string' ? `snapshot ${d.snapshotId}` : `v${num(d.version)}`;
      const deletes = num(d.deleteFilesRemoved) ? `; ${plural(num(d.deleteFilesRemoved), 'delete file')} dropped` : '';
      return `${commit}: ${plural(num(d.filesRemoved), 'file')} (${size(d.bytesRemoved)}) → ${plural(num(d.filesAdded), 'file')} (${size(d.bytesAdded)})${deletes}`;
    }
    case 'compact-staging': {
      const what = `${plural(num(d.records), 'record')} from ${plural(num(d.sourcesRead), 'source')} in ${plural(num(d.partitions), 'partition')}`;
      const quarantined = num(d.quarantined) ? `; ${plural(num(d.quarantined), 'record')} quarantined` : '';
      if (dry) return `${what}${quarantined}`;
      if (d.version === undefined) return `nothing committed${quarantined}`;
      return `v${num(d.version)}: ${what}${quarantined}; ${plural(num(d.sourcesDeleted), 'source')} deleted`;
    }
    case 'verify': {
      const checked = (d.checked ?? {}) as Fields;
      const rate = `corruption rate ${(num(d.corruption_rate) * 100).toFixed(2)}%`;
      const files = checked.entries === undefined ? plural(num(checked.files), 'file') : `${plural(num(checked.files), 'shard')}, ${plural(num(checked.entries), 'entry', 'entries')}`;
      return `${plural(listedCount(d.problems), 'problem')} in ${files} (${size(checked.bytes)}); ${rate}`;
    }
    case 'orphans':
      return `${plural(listedCount(d.orphans), 'orphan')} (${size(d.bytes)})`;
    case 'vacuum':
      return `${dry ? 'would delete' : 'deleted'} ${plural(listedCount(d.deleted), 'file')} (${size(d.bytes)})`;
    case 'expire':
      // Iceberg's expire_snapshots names the snapshots it removes; Delta's names log entries.
      if (Array.isArray(d.expired)) {
        return `${dry ? 'would expire' : 'expired'} ${plural(listedCount(d.expired), 'snapshot')}, ${num(d.retained)} kept; ${dry ? 'would delete' : 'deleted'} ${plural(listedCount(d.deleted), 'file')} (${size(d.bytes)})`;
      }
      return `${dry ? 'would delete' : 'deleted'} ${plural(listedCount(d.deleted), 'log entry', 'log entries')}; oldest readable version v${num(d.oldestVersion)}`;
    case 'rewrite-manifests': {
      const plan = Array.isArray(d.plan) ? (d.plan as Fields[]) : [];
      if (plan.length === 0) return 'nothing to rewrite';
      const before = plan.reduce((n, p) => n + num(p.manifests), 0);
      const after = plan.reduce((n, p) => n + num(p.manifestsAfter), 0);
      const manifests = `${plural(before, 'data manifest')} → ${plural(after, 'manifest')} in ${plural(plan.length, 'partition spec')}`;
      return dry ? manifests : `snapshot ${String(d.snapshotId)}: ${manifests}`;
    }
    case 'checkpoint':
      return `${dry ? 'would write a checkpoint' : 'checkpoint'} at v${num(d.version)}`;
    case 'repack': {
      const parts = [
        `${plural(num(d.filesRewritten), 'file')} rewritten`,
        num(d.rowsPurged) ? `${plural(num(d.rowsPurged), 'row')} purged` : '',
        listedCount(d.quarantined) ? `${plural(listedCount(d.quarantined), 'file')} quarantined` : '',
        listedCount(d.purgedObjects) ? `${plural(listedCount(d.purgedObjects), 'object')} purged` : '',
      ].filter(Boolean);
      if (!dry && d.version === undefined) return 'nothing to repack';
      return `${dry ? '' : `v${num(d.version)}: `}${parts.join(', ')}`;
    }
    case 'des-repack': {
      const repacked = Array.isArray(d.repacked) ? (d.repacked as Fields[]) : [];
      const dropped = repacked.reduce((n, r) => n + listedCount(r.tombstonedDropped) + listedCount(r.corruptDropped), 0);
      const deleted = listedCount(d.deleted) ? `; ${plural(listedCount(d.deleted), 'replaced object')} deleted` : '';
      if (repacked.length === 0) return `nothing to repack${deleted}`;
      return `${plural(repacked.length, 'shard')} ${dry ? 'to repack' : 'repacked'}, ${plural(dropped, 'entry', 'entries')} dropped${deleted}`;
    }
    default:
      return '';
  }
}
