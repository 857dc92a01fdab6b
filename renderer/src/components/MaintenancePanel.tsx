/**
 * The Maintenance tab of a table: one-click operations with their main options, a plan (dry run) to
 * confirm before anything that deletes or rewrites (vacuum, expire, repack, maintain), progress bars of
 * running jobs, the report of the last run, the table's maintenance log, and an optional schedule.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { FoundTable, JobInfo, MaintenanceJobOperation, OperationSupport } from '../../../core/api/workbench';
import { MAINTAIN_STEPS } from '../../../core/api/workbench';
import { errorMessage } from '../api/client';
import { formatCount } from '../logic/format';
import { defaultFields, FORCE_LABEL, isDryRun, maintenanceArgs, type MaintenanceFields } from '../logic/maintenance-args';
import { useJobs } from '../stores/jobs';
import { NO_MAINTENANCE, tableJobs, useMaintenance, type MaintenanceRun } from '../stores/maintenance';
import { MaintenanceLog } from './MaintenanceLog';
import { MaintenanceReport } from './MaintenanceReport';

/**
 * How an operation is offered: `plan` adds a Plan button; `confirm` makes the plan the only way to run it.
 * Offered on a table whose capabilities support it, in a variant this panel can run (`variants`; none =
 * only the usual one).
 */
interface OperationSpec {
  operation: MaintenanceJobOperation;
  label: string;
  help: string;
  plan?: boolean;
  confirm?: boolean;
  variants?: NonNullable<OperationSupport['variant']>[];
}

const OPERATIONS: OperationSpec[] = [
  { operation: 'verify', label: 'Verify', help: 'log, files, footers and row counts (DES: every entry against its sidecar)' },
  { operation: 'des-repack', label: 'Repack', help: 'rewrite shards without tombstoned and corrupt entries (_R001 …)', confirm: true },
  { operation: 'compact', label: 'Compact', help: 'bin-pack small files per partition', plan: true, variants: ['replace-snapshot'] },
  { operation: 'rewrite-manifests', label: 'Manifests', help: 'merge small data manifests by partition spec into few', plan: true },
  { operation: 'orphans', label: 'Orphans', help: 'objects no retained version references', variants: ['metadata-log'] },
  { operation: 'vacuum', label: 'Vacuum', help: 'delete tombstoned files and orphans past the retention', confirm: true, variants: ['metadata-log'] },
  { operation: 'repack', label: 'Repack', help: 'purge rows, quarantine corrupt files, recompress', confirm: true },
  { operation: 'checkpoint', label: 'Checkpoint', help: 'write a checkpoint at the latest version' },
  { operation: 'expire', label: 'Expire', help: 'delete log entries past the log retention (Iceberg: snapshots older than the age, and the files only they reached)', confirm: true, variants: ['snapshots'] },
  { operation: 'maintain', label: 'Maintain', help: 'compact → checkpoint → expire → vacuum', confirm: true },
  { operation: 'compact-staging', label: 'Staging', help: 'compact a staging area (data/<partition>/*.json) into this table', plan: true, variants: ['own-staging'] },
];

/** The steps `maintain` runs on the table (core/ops/maintain.ts): the ones its format takes. */
function maintainSteps(table: FoundTable): string {
  const ops = table.capabilities.operations;
  return MAINTAIN_STEPS.filter((step) => ops[step]).join(' → ');
}

/** The table's support of the operation when this panel can run it that way. */
function supportOf(table: FoundTable, spec: OperationSpec): OperationSupport | undefined {
  const support = table.capabilities.operations[spec.operation];
  return support && (!support.variant || spec.variants?.includes(support.variant)) ? support : undefined;
}

type SetField = <K extends keyof MaintenanceFields>(key: K, value: MaintenanceFields[K]) => void;

function Text({ label, field, fields, set, width = 64 }: { label: string; field: keyof MaintenanceFields; fields: MaintenanceFields; set: SetField; width?: number }) {
  return (
    <label className="mt-field">
      {label}
      <input
        value={String(fields[field])}
        style={{ width }}
        onChange={(e) => set(field, e.target.value as never)}
        data-testid={`mt-field-${field}`}
      />
    </label>
  );
}

function Check({ label, field, fields, set }: { label: string; field: keyof MaintenanceFields; fields: MaintenanceFields; set: SetField }) {
  return (
    <label className="mt-field">
      <input type="checkbox" checked={fields[field] === true} onChange={(e) => set(field, e.target.checked as never)} data-testid={`mt-field-${field}`} />
      {label}
    </label>
  );
}

/**
 * The option fields shown with each operation; what it does when it has none (else in the name's
 * tooltip). A format that does an operation its own way says what it does instead (OperationSupport.note).
 */
function OperationOptions({ spec, fields, set, support, table }: { spec: OperationSpec; fields: MaintenanceFields; set: SetField; support: OperationSupport; table: FoundTable }): ReactNode {
  const p = { fields, set };
  if (support.note) return <span className="muted small">{support.note}</span>;
  switch (spec.operation) {
    case 'verify':
      return <Check label="deep: decode every page, check page CRCs" field="deep" {...p} />;
    case 'compact':
      return (
        <>
          <Text label="target" field="targetSize" {...p} />
          <Text label="min files" field="minFiles" width={40} {...p} />
          <Text label="where" field="where" width={96} {...p} />
        </>
      );
    case 'orphans':
      return <Text label="older than" field="olderThan" {...p} />;
    case 'vacuum':
      return (
        <>
          <Text label="retention" field="retention" {...p} />
          <Check label={FORCE_LABEL} field="force" {...p} />
        </>
      );
    case 'repack':
      return (
        <>
          <Text label="purge where" field="purgeWhere" width={120} {...p} />
          <Check label="purge old versions" field="purge" {...p} />
          <Check label="drop corrupt" field="dropCorrupt" {...p} />
          <Text label="zstd level" field="recompress" width={36} {...p} />
        </>
      );
    case 'expire':
      return <Text label={support.variant === 'snapshots' ? 'snapshot age' : 'log retention'} field="logRetention" {...p} />;
    case 'maintain':
      return <span className="muted small">{maintainSteps(table)}, with the options above</span>;
    case 'compact-staging':
      return <Text label="from" field="staging" width={220} {...p} />;
    case 'des-repack':
      return (
        <>
          <Text label="shard" field="shard" width={150} {...p} />
          <Text label="min deletion ratio" field="minDeletionRatio" width={36} {...p} />
          <Text label="grace" field="grace" width={40} {...p} />
          <Text label="zstd level" field="recompress" width={36} {...p} />
        </>
      );
    default:
      return <span className="muted small">{spec.help}</span>;
  }
}

function RunProgress({ run }: { run: MaintenanceRun & { job: JobInfo } }) {
  const cancel = useJobs((s) => s.cancel);
  const { job } = run;
  const p = job.progress;
  const running = job.state === 'running';
  // A finished job's bar stays full with its last phase, so a quick run still shows what it went through.
  const fraction = !running ? 1 : p && p.total > 0 ? Math.min(1, p.done / p.total) : undefined;
  return (
    <li className={`job job-${job.state}`} data-testid="mt-job" data-state={job.state} data-operation={run.args.operation}>
      <div className="row">
        <strong>{job.title}</strong>
        <span className="spacer" />
        <span data-testid="mt-job-state">{job.state}</span>
        {running && (
          <button onClick={() => void cancel(job.jobId)} data-testid="mt-job-cancel">
            Cancel
          </button>
        )}
      </div>
      <div className="row">
        <progress max={1} value={fraction} data-testid="mt-progress" />
        <span className="muted small" data-testid="mt-progress-text">
          {p ? `${p.phase} ${formatCount(p.done)}/${formatCount(p.total)}` : running ? 'starting…' : ''}
        </span>
      </div>
    </li>
  );
}

function PlanConfirm({ location, run }: { location: string; run: MaintenanceRun & { job: JobInfo } }) {
  const destructive = OPERATIONS.find((o) => o.operation === run.args.operation)?.confirm === true;
  const { confirmPlan, discardPlan } = useMaintenance();
  if (run.job.state !== 'done') return null;
  return (
    <div className="mt-confirm" data-testid="mt-confirm">
      <span>Run {run.args.operation} as planned above?</span>
      <span className="spacer" />
      <button onClick={() => discardPlan(location)}>Discard</button>
      <button className={`primary${destructive ? ' danger' : ''}`} onClick={() => void confirmPlan(location)} data-testid="mt-confirm-run">
        Run {run.args.operation}
      </button>
    </div>
  );
}

function Schedule({ table, connectionId, fields }: { table: FoundTable; connectionId?: string; fields: MaintenanceFields }) {
  const schedule = useMaintenance((s) => s.schedules[table.location]);
  const setSchedule = useMaintenance((s) => s.setSchedule);
  const [hours, setHours] = useState(String(schedule ? schedule.everyMinutes / 60 : 24));
  const [error, setError] = useState<string>();
  const toggle = (on: boolean) => {
    setError(undefined);
    if (!on) return setSchedule(table.location, undefined);
    const everyHours = Number(hours);
    if (!(everyHours > 0)) return setError('hours: expected a number above 0');
    try {
      const args = maintenanceArgs('maintain', fields, { location: table.location, connectionId });
      if (args.operation === 'maintain') setSchedule(table.location, { everyMinutes: Math.round(everyHours * 60), args });
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <div className="row mt-schedule">
      <label className="mt-field">
        <input type="checkbox" checked={!!schedule} onChange={(e) => toggle(e.target.checked)} data-testid="mt-schedule" />
        Run maintain every
      </label>
      <input value={hours} style={{ width: 40 }} disabled={!!schedule} onChange={(e) => setHours(e.target.value)} />
      <span>hours while the app is open</span>
      {error && <span className="status-error">{error}</span>}
    </div>
  );
}

export function MaintenancePanel({ table, connectionId }: { table: FoundTable; connectionId?: string }) {
  const [fieldError, setFieldError] = useState<string>();
  const state = useMaintenance((s) => s.byTable[table.location]) ?? NO_MAINTENANCE;
  const { start, loadLog, selectLogEntry, setFields } = useMaintenance();
  const fields: MaintenanceFields = { ...defaultFields(table.capabilities.operations.expire?.variant), ...state.fields };
  const jobs = useJobs((s) => s.jobs);
  useEffect(() => void loadLog(table.location, connectionId), [table.location, connectionId, loadLog]);

  const set: SetField = (key, value) => setFields(table.location, { [key]: value });
  const run = (operation: MaintenanceJobOperation, dryRun: boolean) => {
    setFieldError(undefined);
    try {
      const variant = table.capabilities.operations[operation]?.variant;
      void start(maintenanceArgs(operation, fields, { location: table.location, connectionId }, dryRun, variant));
    } catch (e) {
      setFieldError(errorMessage(e));
    }
  };
  const runs = tableJobs(jobs, state.runs);
  const last = runs.find((r) => r.job.state !== 'running');
  // Every running job, and the last finished one (its bar keeps its last progress).
  const shown = runs.filter((r) => r.job.state === 'running' || r === last);
  const busy = runs.some((r) => r.job.state === 'running');
  // A run just started (Run, or Confirm at the foot of a long plan) brings its progress into view.
  const runsBox = useRef<HTMLDivElement>(null);
  // Again when it ends: the table reloads then, and the report it shows must not push the run out of view.
  const newest = runs[0]?.jobId;
  const newestState = runs[0]?.job.state;
  useEffect(() => {
    if (newest) runsBox.current?.scrollIntoView({ block: 'nearest' });
  }, [newest, newestState]);
  const plan = state.plan && runs.find((r) => r.jobId === state.plan!.jobId);
  const selected = state.log.find((e) => e.id === state.selectedLogId);
  const operations = OPERATIONS.flatMap((spec) => {
    const support = supportOf(table, spec);
    return support ? [{ spec, support }] : [];
  });

  return (
    <div className="maintenance" data-testid="maintenance">
      <div className="mt-ops">
        {operations.map(({ spec: o, support }) => (
          <div key={o.operation} className="mt-op" data-testid={`mt-op-${o.operation}`}>
            <strong title={o.help}>{o.label}</strong>
            <div className="mt-options">
              <OperationOptions spec={o} fields={fields} set={set} support={support} table={table} />
            </div>
            <div className="mt-actions">
              {(o.plan || o.confirm) && (
                <button onClick={() => run(o.operation, true)} className={o.confirm ? 'primary' : ''} data-testid={`mt-plan-${o.operation}`}>
                  {o.confirm ? 'Plan…' : 'Plan'}
                </button>
              )}
              {!o.confirm && (
                <button className="primary" onClick={() => run(o.operation, false)} data-testid={`mt-run-${o.operation}`}>
                  Run
                </button>
              )}
            </div>
          </div>
        ))}
      </div>
      {fieldError && <p className="status-error">{fieldError}</p>}
      {state.error && <p className="status-error">{state.error}</p>}
      {table.capabilities.operations.maintain && <Schedule table={table} connectionId={connectionId} fields={fields} />}

      {shown.length > 0 && (
        // Sticky while a job runs: its bar, phase and Cancel stay in view as the report below is scrolled.
        <div className={`mt-runs-box${busy ? ' busy' : ''}`} ref={runsBox} data-testid="mt-runs">
          <h4>Runs {busy && <span className="spinner" />}</h4>
          <ul className="jobs-list mt-runs">
            {shown.map((r) => (
              <RunProgress key={r.jobId} run={r} />
            ))}
          </ul>
        </div>
      )}

      {selected ? (
        <>
          <h4>
            Report · {selected.operation} from the log{' '}
            <button className="link" onClick={() => selectLogEntry(table.location, undefined)}>
              back to the last run
            </button>
          </h4>
          <MaintenanceReport operation={selected.operation} status={selected.status} details={selected.details} dryRun={selected.dryRun} location={table.location} />
        </>
      ) : (
        last && (
          <>
            <h4 title={last.job.title}>
              Report · {last.args.operation}
              {isDryRun(last.args) ? ' (plan)' : ''}
            </h4>
            <MaintenanceReport
              operation={last.args.operation}
              status={last.job.state}
              details={last.job.state === 'done' ? last.job.result : { error: last.job.error }}
              dryRun={isDryRun(last.args)}
              location={table.location}
            />
            {plan && plan.jobId === last.jobId && <PlanConfirm location={table.location} run={plan} />}
          </>
        )
      )}

      <h4>Maintenance log</h4>
      <MaintenanceLog log={state.log} selectedId={state.selectedLogId} onSelect={(id) => selectLogEntry(table.location, id)} />
    </div>
  );
}
