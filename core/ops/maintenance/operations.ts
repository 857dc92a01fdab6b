import { MAINTENANCE_OPERATIONS } from '../../formats/table-format';

/** The maintenance operations Lakebench runs on a table, as recorded in the catalog's maintenance log. */
export { MAINTENANCE_OPERATIONS };
export type MaintenanceOperation = (typeof MAINTENANCE_OPERATIONS)[number];

/** Operations the maintenance log records beyond the common ones (the app starts des-repack and rewrite-manifests too). */
export type LoggedOperation = MaintenanceOperation | 'lakesync-compact' | 'des-tombstone' | 'des-repack' | 'rewrite-manifests';

/** Progress of a maintenance job (the same shape as a job's progress in the API). */
export interface OpProgress {
  phase: string;
  done: number;
  total: number;
  bytes: number;
  /** Byte counts of a job that moves data through local scratch space (compaction of a remote table). */
  transfer?: TransferProgress;
  /** Estimated milliseconds left, when the job can tell (else a job's runner estimates from done/total). */
  etaMs?: number;
}

export interface TransferProgress {
  /** Input bytes downloaded so far. */
  downloadedBytes: number;
  /** Bytes of new files uploaded so far. */
  uploadedBytes: number;
  /** Input bytes the job reads in all. */
  totalBytes: number;
  /** Scratch space held now (downloaded inputs and written files not yet uploaded). */
  scratchBytes: number;
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

/** Time left at the average rate so far; unknown until some work is done (and once it is all done). */
export function estimateEta(done: number, total: number, elapsedMs: number): number | undefined {
  if (total <= 0 || done <= 0 || done >= total) return undefined;
  return Math.round((elapsedMs / done) * (total - done));
}
