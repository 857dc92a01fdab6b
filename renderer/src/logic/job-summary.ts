/**
 * One line saying what a finished job did, for the jobs drawer: "exported 1,000 rows (12 KB) to /tmp/r.csv",
 * "v3: 1,200 rows in 2 files", a maintenance run's summary as its panel shows it. Never the raw result.
 */
import type { DeleteResult, ImportResult } from '../../../core/api/types';
import type { ExportResult, JobInfo } from '../../../core/api/workbench';
import { summarizeMaintenance } from '../../../core/api/maintenance-details';
import { countOf, formatBytes } from './format';
import { inAppTerms } from './maintenance-args';

function importLine(r: ImportResult): string {
  const bad = r.badRows ? `, ${countOf(r.badRows, 'bad row')} skipped` : '';
  return `v${r.version}${r.created ? ' (new table)' : ''}: ${countOf(r.rowsWritten, 'row')} in ${countOf(r.filesWritten, 'file')}${bad}`;
}

function deleteLine(r: DeleteResult): string {
  if (r.version === undefined) return 'no row matched: nothing changed';
  const vectors = r.deletionVectorsAdded ? `, ${countOf(r.deletionVectorsAdded, 'deletion vector')}` : '';
  return `v${r.version}: ${countOf(r.rowsDeleted, 'row')} deleted; ${countOf(r.filesRemoved, 'file')} → ${countOf(r.filesAdded, 'file')}${vectors}`;
}

/** The finished job's one-line result; empty when there is nothing more to say than its state. */
export function jobResultLine(job: JobInfo): string {
  if (job.state !== 'done' || job.result === undefined || job.result === null) return '';
  switch (job.kind) {
    case 'export': {
      const r = job.result as ExportResult;
      return `exported ${countOf(r.rows, 'row')} (${formatBytes(r.bytes)}) to ${r.path}`;
    }
    case 'import':
      return importLine(job.result as ImportResult);
    case 'delete':
      return deleteLine(job.result as DeleteResult);
    case 'maintenance': {
      // The subject comes with the job (the engine keeps it in the job log): a reloaded app still has it.
      const { subject } = job;
      if (!subject) return '';
      return `${subject.dryRun ? 'plan: ' : ''}${inAppTerms(summarizeMaintenance({ ...subject, status: 'done', details: job.result }))}`;
    }
    case 'prefetch':
      return '';
  }
}
