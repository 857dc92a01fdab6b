/** The jobs drawer: running jobs with progress, bytes and ETA, cancel; finished jobs form the log. */
import type { JobInfo } from '../../../core/api/workbench';
import { formatBytes, formatDate, formatDuration } from '../logic/format';
import { useJobs } from '../stores/jobs';

function JobRow({ job }: { job: JobInfo }) {
  const cancel = useJobs((s) => s.cancel);
  const p = job.progress;
  const fraction = p && p.total > 0 ? Math.min(1, p.done / p.total) : undefined;
  return (
    <li className={`job job-${job.state}`} data-testid="job">
      <div className="row">
        <strong>{job.title}</strong>
        <span className="muted">{formatDate(job.startedAt)}</span>
        <span className="spacer" />
        <span data-testid="job-state">{job.state}</span>
        {job.state === 'running' && (
          <button onClick={() => void cancel(job.jobId)} data-testid="job-cancel">
            Cancel
          </button>
        )}
      </div>
      {job.state === 'running' && (
        <div className="row">
          <progress max={1} value={fraction} />
          <span className="muted">
            {p ? `${p.phase} · ${formatBytes(p.bytes)}${p.etaMs !== undefined ? ` · ${formatDuration(p.etaMs)} left` : ''}` : 'starting…'}
          </span>
        </div>
      )}
      {job.error && <div className="status-error">{job.error}</div>}
      {job.state === 'done' && job.result !== undefined && <code className="muted">{JSON.stringify(job.result)}</code>}
    </li>
  );
}

export function JobsDrawer() {
  const { jobs, open, setOpen } = useJobs();
  const running = jobs.filter((j) => j.state === 'running').length;
  return (
    <footer className={`jobs${open ? ' open' : ''}`} data-testid="jobs-drawer">
      <button className="jobs-toggle" onClick={() => setOpen(!open)} title="Jobs (Alt+J)">
        Jobs {running > 0 ? `· ${running} running` : `· ${jobs.length}`} {open ? '▾' : '▴'}
      </button>
      {open && (
        <ul className="jobs-list">
          {jobs.length === 0 && <li className="muted">No jobs yet. Exports, imports and deletes show their progress here.</li>}
          {jobs.map((j) => (
            <JobRow key={j.jobId} job={j} />
          ))}
        </ul>
      )}
    </footer>
  );
}
