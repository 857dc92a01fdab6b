/** The jobs store's merging of the start call's answer with engine events, which may arrive in either order. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../core/api/workbench';
import { useJobs } from '../../renderer/src/stores/jobs';

const running: JobInfo = { jobId: 'j1', kind: 'export', title: 'Export to /tmp/x.csv', state: 'running', startedAt: '2024-05-01T12:00:00.000Z' };
const done: JobInfo = { ...running, state: 'done', finishedAt: '2024-05-01T12:00:01.000Z', result: { rows: 5 } };

describe('jobs store', () => {
  beforeEach(() => useJobs.setState({ jobs: [], open: false }));

  it('keeps a quick job done when its "done" event overtakes the start answer', () => {
    useJobs.getState().onEvent({ type: 'job-state', job: done });
    useJobs.getState().track(running);
    expect(useJobs.getState().jobs).toEqual([done]);
    expect(useJobs.getState().open).toBe(true);
  });

  it('moves a job from running to done in the usual order', () => {
    useJobs.getState().track(running);
    useJobs.getState().onEvent({ type: 'job-progress', progress: { jobId: 'j1', phase: 'writing', done: 1, total: 2, bytes: 10 } });
    expect(useJobs.getState().jobs[0].progress?.done).toBe(1);
    useJobs.getState().onEvent({ type: 'job-state', job: done });
    expect(useJobs.getState().jobs).toHaveLength(1);
    expect(useJobs.getState().jobs[0].state).toBe('done');
  });
});
