import { MAINTENANCE_OPERATIONS } from '../../formats/table-format';

/** The maintenance operations Lakebench runs on a table, as recorded in the catalog's maintenance log. */
export { MAINTENANCE_OPERATIONS };
export type MaintenanceOperation = (typeof MAINTENANCE_OPERATIONS)[number];

/** Operations the maintenance log records that the app's Maintenance tab does not start (CLI only, for now). */
export type LoggedOperation = MaintenanceOperation | 'lakesync-compact' | 'des-tombstone' | 'des-repack' | 'rewrite-manifests';

/** Progress of a maintenance job (the same shape as a job's progress in the API). */
export interface OpProgress {
  phase: string;
  done: number;
  total: number;
  bytes: number;
}

/** What every maintenance operation takes besides its own options. */
export interface OpOptions {
  signal?: AbortSignal;
  onProgress?: (progress: OpProgress) => void;
}

/** Reports progress field by field (bytes 0 unless told). */
export type ProgressReporter = (phase: string, done: number, total: number, bytes?: number) => void;

export function progressReporter(onProgress: OpOptions['onProgress']): ProgressReporter {
  return (phase, done, total, bytes = 0) => onProgress?.({ phase, done, total, bytes });
}
