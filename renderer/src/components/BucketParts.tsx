/** What the bucket views (DES archive, LakeSync, Lakeside) share: their head line, and reloading after a maintenance run. */
import { useEffect, useRef, type ReactNode } from 'react';
import { useJobs } from '../stores/jobs';
import { NO_MAINTENANCE, tableJobs, useMaintenance } from '../stores/maintenance';

/** Calls `reload` whenever a maintenance run started from the panel on `location` finishes (it may have changed the bucket). */
export function useReloadAfterRuns(location: string, reload: () => void): void {
  const runs = useMaintenance((s) => s.byTable[location]?.runs ?? NO_MAINTENANCE.runs);
  const jobs = useJobs((s) => s.jobs);
  const finished = tableJobs(jobs, runs).filter((r) => r.job.state !== 'running').length;
  const seen = useRef(finished);
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    if (finished > seen.current) latest.current();
    seen.current = finished;
  }, [finished]);
}

/** A bucket view's head: its one-line summary (else Loading…), its own actions, Refresh, and the last error. */
export function BucketHead(props: { prefix: string; summary?: string; loading: boolean; error?: string; refresh(): void; refreshTitle: string; children?: ReactNode }) {
  return (
    <>
      <div className="row">
        <p className="muted" data-testid={`${props.prefix}-summary`}>
          {props.summary ?? (props.loading ? 'Loading…' : '')}
        </p>
        <span className="spacer" />
        {props.children}
        <button onClick={props.refresh} data-testid={`${props.prefix}-refresh`} title={props.refreshTitle}>
          Refresh
        </button>
      </div>
      {props.error && <p className="status-error">{props.error}</p>}
    </>
  );
}
