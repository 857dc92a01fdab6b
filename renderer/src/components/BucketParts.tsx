/** What the LakeSync and Lakeside views share: their tab bar, and reloading after a maintenance run. */
import { useEffect, useRef } from 'react';
import { useJobs } from '../stores/jobs';
import { NO_MAINTENANCE, tableJobs, useMaintenance } from '../stores/maintenance';

export function BucketTabs<T extends string>({ tabs, tab, setTab, prefix }: { tabs: readonly T[]; tab: T; setTab(tab: T): void; prefix: string }) {
  return (
    <div className="segmented">
      {tabs.map((t) => (
        <button key={t} className={t === tab ? 'on' : ''} onClick={() => setTab(t)} data-testid={`${prefix}-tab-${t}`}>
          {t}
        </button>
      ))}
    </div>
  );
}

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
