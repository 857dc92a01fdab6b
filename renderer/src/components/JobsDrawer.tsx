/**
 * The jobs drawer: each job as a readable summary — what it does to which table (its title), its state,
 * progress with phase, bytes and ETA while running, cancel, and one line of what it did once done.
 */
import type { JobInfo } from '../../../core/api/workbench';
import { formatBytes, formatCount, formatDate, formatDuration } from '../logic/format';
import { jobResultLine } from '../logic/job-summary';
import { useJobs } from '../stores/jobs';

/** `compacting 3/12 · 40 MB · 5 s left`. */
function progressLine(job: JobInfo): string {
  const p = job.progress;
  if (!p) return 'starting…';
  const counts = p.total > 0 ? ` ${formatCount(p.done)}/${formatCount(p.total)}` : '';
  const bytes = p.bytes > 0 ? ` · ${formatBytes(p.bytes)}` : '';
  return `${p.phase}${counts}${bytes}${p.etaMs !== undefined ? ` · ${formatDuration(p.etaMs)} left` : ''}`;
}

function JobRow({ job }: { job: JobInfo }) {
  const cancel = useJobs((s) => s.cancel);
  const p = job.progress;
  const fraction = p && p.total > 0 ? Math.min(1, p.done / p.total) : undefined;
  const result = jobResultLine(job);
  return (
    <li className={`job job-${job.state}`} data-testid="job" data-state={job.state}>
      <div className="row">
        <strong className="job-title" title={job.title}>
          {job.title}
        </strong>
        <span className="muted small">{formatDate(job.startedAt)}</span>
        <span className="spacer" />
        <span className={`badge job-state-${job.state}`} data-testid="job-state">
          {job.state}
        </span>
        {job.state === 'running' && (
          <button onClick={() => void cancel(job.jobId)} data-testid="job-cancel">
            Cancel
          </button>
        )}
      </div>
      {job.state === 'running' && (
        <div className="row">
          <progress max={1} value={fraction} />
          <span className="muted small" data-testid="job-progress">
            {progressLine(job)}
          </span>
        </div>
      )}
      {job.error && <div className="status-error">{job.error}</div>}
      {result && (
        <div className="job-result" data-testid="job-result" title={result}>
          {result}
        </div>
      )}
    </li>
  );
}

export function JobsDrawer() {
  const { jobs, open, setOpen } = useJobs();
  const running = jobs.filter((j) => j.state === 'running').length;
  return (
    <footer className={`jobs${open ? ' open' : ''}`} data-testid="jobs-drawer">
      <button className="jobs-toggle" onClick={() => setOpen(!open)} title="Jobs (Alt+J)" data-testid="jobs-toggle">
        Jobs {running > 0 ? `· ${running} running` : `· ${jobs.length}`} {open ? '▾' : '▴'}
      </button>
      {open && (
        <ul className="jobs-list">
          {jobs.length === 0 && <li className="muted">No jobs yet. Exports, imports, deletes and maintenance show their progress here.</li>}
          {jobs.map((j) => (
            <JobRow key={j.jobId} job={j} />
          ))}
        </ul>
      )}
    </footer>
  );
}
