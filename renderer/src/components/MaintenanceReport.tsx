/**
 * What a maintenance run found or did, by operation: verify's problems, the orphans, compaction's files
 * and bytes before → after, what vacuum/expire deleted (or would), repack's quarantine. Works on a job's
 * full result and on a maintenance-log entry's stored details (whose long lists end in `… and N more`).
 */
import type { ReactNode } from 'react';
import type {
  CompactResult,
  DesRepackResult,
  ExpireResult,
  MaintainResult,
  OrphansResult,
  RepackResult,
  RewriteManifestsResult,
  VacuumResult,
  VerifyProblem,
  VerifyReport,
} from '../../../core/api/workbench';
import { summarizeMaintenance } from '../../../core/api/maintenance-details';
import { MAINTAIN_STEPS } from '../../../core/api/workbench';
import { inAppTerms } from '../logic/maintenance-args';
import { formatDuration } from '../../../core/units';
import { formatBytes, formatCount } from '../logic/format';
import { SmallTable } from './SmallTable';

interface ReportProps {
  operation: string;
  status: string;
  details: unknown;
  dryRun?: boolean;
  /** URL of the table: objects under it are shown relative to it. */
  location: string;
}

/** Entries of a stored list that are objects (the trailing `… and N more` is shown as a note). */
function entries<T>(list: readonly (T | string)[] | undefined): { rows: T[]; more?: string } {
  const all = list ?? [];
  const last = all.at(-1);
  return { rows: all.filter((e): e is T => typeof e === 'object' && e !== null), more: typeof last === 'string' ? last : undefined };
}

function relative(object: string, location: string): string {
  const root = location.endsWith('/') ? location : `${location}/`;
  return object.startsWith(root) ? object.slice(root.length) : object;
}

function More({ text }: { text?: string }) {
  return text ? <p className="muted small">{text}</p> : null;
}

/** Objects under the table, one a row: the object (relative to the table) and the given columns. */
function ObjectTable<T extends { object: string }>(props: {
  testId: string;
  location: string;
  list: readonly (T | string)[] | undefined;
  objectHeader?: string;
  columns: Array<[header: string, cell: (row: T) => ReactNode]>;
}) {
  const { rows, more } = entries(props.list);
  if (rows.length === 0) return null;
  return (
    <>
      <SmallTable<T>
        testId={props.testId}
        rows={rows}
        rowKey={(_, i) => i}
        columns={[
          { header: props.objectHeader ?? 'Object', className: 'path', title: (row) => row.object, cell: (row) => relative(row.object, props.location) },
          ...props.columns.map(([header, cell]) => ({ header, cell })),
        ]}
      />
      <More text={more} />
    </>
  );
}

/** A run's figures, one a row: what, and its value (before → after). */
function Metrics({ testId, rows }: { testId: string; rows: ReadonlyArray<readonly [label: string, value: string]> }) {
  return (
    <table className="small-table mt-metrics" data-testid={testId}>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <td>{label}</td>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CompactView({ result, dryRun }: { result: CompactResult; dryRun: boolean }) {
  const plan = entries(result.plan).rows;
  const before = dryRun ? plan.reduce((n, p) => n + p.files, 0) : result.filesRemoved;
  const after = dryRun ? plan.reduce((n, p) => n + p.outputFiles, 0) : result.filesAdded;
  const bytesBefore = dryRun ? plan.reduce((n, p) => n + p.bytes, 0) : result.bytesRemoved;
  return (
    <>
      <Metrics
        testId="mt-compact-metrics"
        rows={[
          ['Files', `${formatCount(before)} → ${formatCount(after)}`],
          ['Bytes', `${formatBytes(bytesBefore)} → ${dryRun ? '≈ same' : formatBytes(result.bytesAdded)}`],
          ...(result.version !== undefined ? [['Version', `v${result.version}`] as const] : []),
          ...(result.snapshotId !== undefined ? [['Snapshot', result.snapshotId] as const] : []),
        ]}
      />
      {plan.length > 0 && (
        <SmallTable<(typeof plan)[number]>
          testId="mt-compact-plan"
          rows={plan}
          rowKey={(_, i) => i}
          columns={[
            {
              header: 'Partition',
              className: 'path',
              cell: (p) =>
                Object.entries(p.partition)
                  .map(([k, v]) => `${k}=${v ?? 'null'}`)
                  .join('/') || '(unpartitioned)',
            },
            { header: 'Files', cell: (p) => formatCount(p.files) },
            { header: 'Bytes', cell: (p) => formatBytes(p.bytes) },
            { header: 'Output', cell: (p) => formatCount(p.outputFiles) },
          ]}
        />
      )}
    </>
  );
}

function ExpireView({ result, location }: { result: ExpireResult; location: string }) {
  // Deleted log entries are plain URLs (Iceberg's expire: objects with their size); a cut list ends in
  // the `… and N more` marker.
  const all = ((result.deleted ?? []) as (string | { object: string })[]).map((d) => (typeof d === 'string' ? d : d.object));
  const more = all.at(-1)?.startsWith('… and ') ? all.at(-1) : undefined;
  const rows = more ? all.slice(0, -1) : all;
  if (rows.length === 0) return null;
  return (
    <>
      <ul className="plain-list mt-list" data-testid="mt-expired">
        {rows.map((object) => (
          <li key={object} className="path">
            {relative(object, location)}
          </li>
        ))}
      </ul>
      <More text={more} />
    </>
  );
}

/** Data manifests before → after (in all, and for each partition spec that has more than it needs), and the snapshot committed. */
function RewriteManifestsView({ result }: { result: RewriteManifestsResult }) {
  const plan = entries(result.plan).rows;
  if (plan.length === 0) return null;
  const before = plan.reduce((n, p) => n + p.manifests, 0);
  const after = plan.reduce((n, p) => n + p.manifestsAfter, 0);
  return (
    <>
      <Metrics
        testId="mt-rewrite-metrics"
        rows={[
          ['Data manifests', `${formatCount(before)} → ${formatCount(after)}`],
          ...(result.snapshotId !== undefined ? [['Snapshot', result.snapshotId] as const] : []),
        ]}
      />
      <SmallTable<(typeof plan)[number]>
        testId="mt-rewrite-plan"
        rows={plan}
        rowKey={(p) => p.specId}
        columns={[
          { header: 'Partition spec', cell: (p) => p.specId },
          { header: 'Files', className: 'num', cell: (p) => formatCount(p.entries) },
          { header: 'Manifests', className: 'num', cell: (p) => `${formatCount(p.manifests)} → ${formatCount(p.manifestsAfter)}` },
        ]}
      />
    </>
  );
}

function MaintainView({ result, dryRun }: { result: MaintainResult; dryRun: boolean }) {
  return (
    <table className="small-table" data-testid="mt-maintain-steps">
      <tbody>
        {MAINTAIN_STEPS.map((step) => (
          <tr key={step} className={result.failed?.step === step ? 'warn' : ''}>
            <td>{step}</td>
            <td>
              {result[step]
                ? summarizeMaintenance({ operation: step, status: 'ok', details: result[step], dryRun })
                : result.failed?.step === step
                  ? `failed: ${result.failed.error}`
                  : 'not run'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MaintenanceReport({ operation, status, details, dryRun = false, location }: ReportProps) {
  const summary = inAppTerms(summarizeMaintenance({ operation, status, details, dryRun }));
  const ok = status === 'ok' || status === 'done';
  return (
    <div className="mt-report" data-testid={`mt-report-${operation}`}>
      <p className={ok ? '' : status === 'problems' ? 'warn' : 'status-error'} data-testid="mt-summary">
        <strong>{dryRun ? 'Plan' : 'Result'}:</strong> {summary}
      </p>
      {ok || status === 'problems' ? <Details operation={operation} details={details} dryRun={dryRun} location={location} /> : null}
    </div>
  );
}

function Details({ operation, details, dryRun, location }: { operation: string; details: unknown; dryRun: boolean; location: string }) {
  if (details === null || typeof details !== 'object') return null;
  switch (operation) {
    case 'verify':
      return (
        <ObjectTable<VerifyProblem>
          testId="mt-problems"
          location={location}
          list={(details as VerifyReport).problems}
          columns={[
            ['Kind', (p) => <code>{p.kind}</code>],
            ['Detail', (p) => p.detail],
          ]}
        />
      );
    case 'orphans':
      return (
        <ObjectTable<OrphansResult['orphans'][number]>
          testId="mt-orphans"
          location={location}
          list={(details as OrphansResult).orphans}
          columns={[
            ['Size', (o) => formatBytes(o.size)],
            ['Age', (o) => formatDuration(o.ageMs)],
            ['Why', (o) => <span className="muted">{o.reason}</span>],
          ]}
        />
      );
    case 'compact':
      return <CompactView result={details as CompactResult} dryRun={dryRun} />;
    case 'vacuum':
      return (
        <ObjectTable<VacuumResult['deleted'][number]>
          testId="mt-deleted"
          location={location}
          list={(details as VacuumResult).deleted}
          columns={[
            ['Size', (d) => formatBytes(d.size)],
            ['Why', (d) => <span className="muted">{d.reason}</span>],
          ]}
        />
      );
    case 'expire':
      return <ExpireView result={details as ExpireResult} location={location} />;
    case 'repack':
      return (
        <ObjectTable<RepackResult['quarantined'][number]>
          testId="mt-quarantined"
          location={location}
          list={(details as RepackResult).quarantined}
          objectHeader="Quarantined"
          columns={[
            ['Salvaged', (q) => formatCount(q.rowsSalvaged)],
            ['Lost', (q) => <span className={q.rowsLost ? 'status-error' : ''}>{formatCount(q.rowsLost)}</span>],
            ['Problem', (q) => q.problem],
          ]}
        />
      );
    case 'maintain':
      return <MaintainView result={details as MaintainResult} dryRun={dryRun} />;
    case 'des-repack':
      return <DesRepackView result={details as DesRepackResult} dryRun={dryRun} />;
    case 'rewrite-manifests':
      return <RewriteManifestsView result={details as RewriteManifestsResult} />;
    default:
      return null;
  }
}

function DesRepackView({ result, dryRun }: { result: DesRepackResult; dryRun: boolean }) {
  return (
    <>
      {result.repacked.length > 0 && (
        <SmallTable<DesRepackResult['repacked'][number]>
          testId="mt-des-repacked"
          rows={result.repacked}
          rowKey={(r) => r.shard}
          columns={[
            { header: 'Shard', cell: (r) => r.shard },
            { header: 'Into', cell: (r) => r.into },
            { header: 'Kept', className: 'num', cell: (r) => formatCount(r.entries) },
            { header: 'Tombstoned dropped', className: 'num', cell: (r) => formatCount(r.tombstonedDropped.length) },
            { header: 'Corrupt dropped', className: (r) => (r.corruptDropped.length ? 'status-error' : ''), cell: (r) => r.corruptDropped.join(' ') || '0' },
            { header: 'Bytes', className: 'num', cell: (r) => (dryRun ? formatBytes(r.bytesBefore) : `${formatBytes(r.bytesBefore)} → ${formatBytes(r.bytesAfter)}`) },
          ]}
        />
      )}
      {result.skipped.length > 0 && (
        <p className="muted small">
          Left alone: {result.skipped.map((s) => `${s.shard} (${s.reason})`).join('; ')}
        </p>
      )}
      {result.estimate && <p className="muted small">Estimate: {result.estimate}.</p>}
    </>
  );
}
