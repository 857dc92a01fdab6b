/**
 * The Maintenance panel's option fields (text as the user types it: `128MB`, `7d`) → the job arguments
 * of one operation, parsed the way the CLI parses its flags.
 */
import bytes from 'bytes';
import { MAINTENANCE_DEFAULTS, type MaintenanceJobArgs, type MaintenanceJobOperation, type OperationSupport } from '../../../core/api/workbench';
import { formatDuration, parseDuration, parseSize } from '../../../core/units';
import { splitList } from './format';

export interface MaintenanceFields {
  targetSize: string;
  minFiles: string;
  where: string;
  sortBy: string;
  deep: boolean;
  olderThan: string;
  retention: string;
  force: boolean;
  purgeWhere: string;
  purge: boolean;
  dropCorrupt: boolean;
  /** zstd level, '' = no recompression. */
  recompress: string;
  logRetention: string;
  /** compact-staging: the staging area (data/<partition>/*.json|ndjson) to compact into the table. */
  staging: string;
  /** des-repack: one shard ('' = every shard over the deletion ratio), the ratio, the grace period. */
  shard: string;
  minDeletionRatio: string;
  grace: string;
}

export const DEFAULT_FIELDS: MaintenanceFields = {
  targetSize: bytes.format(MAINTENANCE_DEFAULTS.targetSize) ?? '128MB',
  minFiles: String(MAINTENANCE_DEFAULTS.minFiles),
  where: '',
  sortBy: '',
  deep: false,
  olderThan: '0',
  retention: formatDuration(MAINTENANCE_DEFAULTS.retentionMs),
  force: false,
  purgeWhere: '',
  purge: false,
  dropCorrupt: false,
  recompress: '',
  logRetention: formatDuration(MAINTENANCE_DEFAULTS.logRetentionMs),
  staging: '',
  shard: '',
  minDeletionRatio: String(MAINTENANCE_DEFAULTS.desMinDeletionRatio),
  grace: formatDuration(MAINTENANCE_DEFAULTS.desGraceMs),
};

/**
 * The fields' defaults on a table: one whose format expires snapshots (Iceberg) ages its snapshots and
 * orphans as Iceberg does (5 and 3 days), where a Delta table's are its log retention and 0.
 */
export function defaultFields(expireVariant: OperationSupport['variant']): MaintenanceFields {
  if (expireVariant !== 'snapshots') return DEFAULT_FIELDS;
  return { ...DEFAULT_FIELDS, olderThan: formatDuration(MAINTENANCE_DEFAULTS.icebergOrphanAgeMs), logRetention: formatDuration(MAINTENANCE_DEFAULTS.icebergSnapshotAgeMs) };
}

function wholeNumber(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${what}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`);
  return n;
}

const optional = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim());
/** The default retention is left out, so that a table's own retention property applies (as in the CLI). */
const retention = (text: string, byDefault: number): number | undefined => {
  const ms = parseDuration(text);
  return ms === byDefault ? undefined : ms;
};

/** The job only plans: its result is the plan and nothing changes. */
export const isDryRun = (args: MaintenanceJobArgs): boolean => 'dryRun' in args && args.dryRun === true;

/**
 * The job arguments of `operation` on the table at `where`, in the `variant` the table supports it
 * (OperationSupport.variant; none = the usual one); throws an Error naming the field that does not parse.
 */
export function maintenanceArgs(
  operation: MaintenanceJobOperation,
  fields: MaintenanceFields,
  where: { location: string; connectionId?: string },
  dryRun = false,
  variant?: OperationSupport['variant'],
): MaintenanceJobArgs {
  const compact = () => ({ targetSize: parseSize(fields.targetSize), minFiles: wholeNumber(fields.minFiles, 'min files', 1) });
  const recompress = () => {
    const level = optional(fields.recompress);
    return level === undefined ? {} : { recompressLevel: wholeNumber(level, 'zstd level', 1, 22) };
  };
  switch (operation) {
    case 'compact': {
      const sortBy = splitList(fields.sortBy);
      return { ...where, operation, ...compact(), where: optional(fields.where), ...(sortBy.length > 0 && { sortBy }), dryRun };
    }
    case 'compact-staging': {
      // A table that is its own staging area (a Lakeside bucket) compacts into itself.
      if (variant === 'own-staging') return { ...where, operation, lakeside: true, dryRun };
      // The panel is the target table's: the job reads the staging area and writes into the table.
      const staging = optional(fields.staging);
      if (!staging) throw new Error('staging: give the location of the staging area');
      return { ...where, location: staging, operation, into: where.location, dryRun };
    }
    case 'verify':
      return { ...where, operation, deep: fields.deep };
    case 'orphans':
      return { ...where, operation, olderThanMs: parseDuration(fields.olderThan) };
    case 'vacuum':
      return { ...where, operation, retentionMs: retention(fields.retention, MAINTENANCE_DEFAULTS.retentionMs), force: fields.force, dryRun };
    case 'repack':
      return { ...where, operation, purgeWhere: optional(fields.purgeWhere), purge: fields.purge, dropCorrupt: fields.dropCorrupt, ...recompress(), dryRun };
    case 'checkpoint':
      return { ...where, operation };
    case 'expire': {
      // On Iceberg the field is the snapshots' age: its default leaves history.expire.max-snapshot-age-ms to decide.
      const byDefault = variant === 'snapshots' ? MAINTENANCE_DEFAULTS.icebergSnapshotAgeMs : MAINTENANCE_DEFAULTS.logRetentionMs;
      return { ...where, operation, logRetentionMs: retention(fields.logRetention, byDefault), dryRun };
    }
    case 'des-repack': {
      const ratio = Number(fields.minDeletionRatio.trim());
      if (!(ratio >= 0 && ratio <= 1)) throw new Error('deletion ratio: expected a number from 0 to 1');
      return {
        ...where,
        operation,
        shard: optional(fields.shard),
        minDeletionRatio: ratio,
        graceMs: parseDuration(fields.grace),
        ...recompress(),
        dryRun,
      };
    }
    case 'rewrite-manifests':
      // The format's note stands for the options: manifests of Iceberg's default target size.
      return { ...where, operation, dryRun };
    case 'maintain':
      return {
        ...where,
        operation,
        ...compact(),
        retentionMs: retention(fields.retention, MAINTENANCE_DEFAULTS.retentionMs),
        logRetentionMs: retention(fields.logRetention, MAINTENANCE_DEFAULTS.logRetentionMs),
        force: fields.force,
        dryRun,
      };
  }
}

/** The label of the vacuum's force checkbox, which the engine's messages call `--force`. */
export const FORCE_LABEL = 'force (< 7 days)';

/** Engine messages name the CLI's flags; the panel's user has checkboxes. */
const APP_TERMS: ReadonlyArray<[RegExp, string]> = [[/\bpass --force\b/g, `tick “${FORCE_LABEL}”`]];

/** An engine message in the Maintenance panel's terms. */
export function inAppTerms(message: string): string {
  return APP_TERMS.reduce((text, [flag, control]) => text.replace(flag, control), message);
}
