/**
 * Retention periods of vacuum and expire and the table properties that set them
 * (`delta.deletedFileRetentionDuration`, `delta.logRetentionDuration`, "interval 30 days").
 */
import { LakebenchError } from '../errors';
import type { Metadata } from '../formats/delta/actions';
import { intervalMs } from '../formats/delta/checkpoint-write';
import { formatDuration } from '../units';
import { MAINTENANCE_DEFAULTS } from './maintenance/defaults';

export const DELETED_FILE_RETENTION_PROPERTY = 'delta.deletedFileRetentionDuration';
export const LOG_RETENTION_PROPERTY = 'delta.logRetentionDuration';

/** Delta's defaults for the two properties (the CLI and the app default to them too). */
export const DEFAULT_DELETED_FILE_RETENTION_MS = MAINTENANCE_DEFAULTS.retentionMs;
export const DEFAULT_LOG_RETENTION_MS = MAINTENANCE_DEFAULTS.logRetentionMs;

export interface TableRetention {
  property: string;
  /** The property's text, e.g. "interval 30 days". */
  setting: string;
  ms: number;
}

/**
 * The table's setting of `property`, or undefined when unset. An interval this code cannot read is
 * refused rather than guessed: a wrong guess would delete what the table owner meant to keep.
 */
export function tableRetention(metadata: Metadata | undefined, property: string, tableUrl: string): TableRetention | undefined {
  const setting = metadata?.configuration?.[property];
  if (setting === undefined) return undefined;
  const ms = intervalMs(setting);
  if (!Number.isFinite(ms)) {
    throw new LakebenchError('CORRUPT', `${tableUrl}: table property ${property} = "${setting}" is not an interval such as "interval 7 days"`, {
      object: tableUrl,
    });
  }
  return { property, setting, ms };
}

/** `168h (the table's delta.deletedFileRetentionDuration, "interval 7 days")` style text for reports. */
export function describeRetention(ms: number, table?: TableRetention): string {
  return table && table.ms === ms ? `${formatDuration(ms)} (the table's ${table.property}, "${table.setting}")` : formatDuration(ms);
}
