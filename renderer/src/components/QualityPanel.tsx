/**
 * The Quality tab of a Delta table: checks defined with column pickers (kept with the table in the
 * catalog), run at the slider's version, a report with pass/fail badges and failing samples, and each
 * check's failing_rows over past runs as a chart.
 */
import { Fragment, useEffect, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { CHECK_TYPES, type FoundTable, type QualityCheck, type QualityResult } from '../../../core/api/workbench';
import { formatCount } from '../logic/format';
import { acceptedText, acceptedValues, boundValue, fieldsOf, historyPoints, newCheckName } from '../logic/quality-rules';
import { useQuality } from '../stores/quality';

const LINE_COLORS = ['var(--accent)', 'var(--accent-2)', '#d9822b', '#b0479a', '#5c7080', '#c23030', '#8f7f00', '#1f8a8a'];

function CheckEditor({ check, columns, onChange, onRemove }: { check: QualityCheck; columns: string[]; onChange(c: QualityCheck): void; onRemove(): void }) {
  const fields = fieldsOf(check.check_type);
  const params = check.params ?? {};
  const setParam = (key: string, value: unknown) => onChange({ ...check, params: { ...params, [key]: value } });
  const bound = (key: string, label: string) => (
    <label className="mt-field">
      {label}
      <input style={{ width: 72 }} value={String(params[key] ?? '')} onChange={(e) => setParam(key, boundValue(e.target.value))} data-testid={`q-${key}`} />
    </label>
  );
  return (
    <div className="mt-op q-check" data-testid="q-check">
      <input value={check.name} onChange={(e) => onChange({ ...check, name: e.target.value })} aria-label="check name" data-testid="q-name" />
      <div className="mt-options">
        <select value={check.check_type} onChange={(e) => onChange({ name: check.name, check_type: e.target.value, column_name: fieldsOf(e.target.value).column ? check.column_name : null })} data-testid="q-type">
          {CHECK_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        {fields.column && (
          <select value={check.column_name ?? ''} onChange={(e) => onChange({ ...check, column_name: e.target.value || null })} data-testid="q-column">
            <option value="">column…</option>
            {columns.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        )}
        {fields.params === 'accepted' && (
          <label className="mt-field">
            accepted
            <input style={{ width: 160 }} defaultValue={acceptedText(check)} onBlur={(e) => setParam('accepted', acceptedValues(e.target.value))} placeholder="a, b, c" data-testid="q-accepted" />
          </label>
        )}
        {fields.params === 'range' && (
          <>
            {bound('min_value', 'min')}
            {bound('max_value', 'max')}
          </>
        )}
        {fields.params === 'count' && (
          <>
            {bound('min_count', 'min rows')}
            {bound('max_count', 'max rows')}
          </>
        )}
        {fields.params === 'sql' && (
          <textarea
            className="q-sql"
            rows={2}
            value={String(params.sql ?? '')}
            onChange={(e) => setParam('sql', e.target.value)}
            placeholder="SELECT * FROM t WHERE … (rows returned = failing rows)"
            data-testid="q-sql"
          />
        )}
      </div>
      <div className="mt-actions">
        <button className="link" onClick={onRemove} title="Remove this check">
          ✕
        </button>
      </div>
    </div>
  );
}

const BADGE: Record<QualityResult['status'], string> = { passed: 'q-passed', failed: 'q-failed', error: 'q-error' };

function Report({ results, version }: { results: QualityResult[]; version: string | null }) {
  const [open, setOpen] = useState<string>();
  const count = (s: QualityResult['status']) => results.filter((r) => r.status === s).length;
  return (
    <div className="mt-report" data-testid="q-report">
      <h4>
        Report{version === null ? '' : ` · v${version}`}: {count('passed')} passed, {count('failed')} failed, {count('error')} error
      </h4>
      <table className="small-table">
        <thead>
          <tr>
            <th>Status</th>
            <th>Check</th>
            <th>Column</th>
            <th>Failing / total</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <Fragment key={r.check_name}>
              <tr onClick={() => setOpen(open === r.check_name ? undefined : r.check_name)} style={{ cursor: r.failing_sample.length ? 'pointer' : undefined }} data-testid="q-result">
                <td>
                  <span className={`badge ${BADGE[r.status]}`}>{r.status}</span>
                </td>
                <td title={r.check_type}>{r.check_name}</td>
                <td>{r.column_name ?? ''}</td>
                <td>
                  {formatCount(r.failing_rows)} / {formatCount(r.total_rows)}
                </td>
                <td className="q-details">{r.details}</td>
              </tr>
              {open === r.check_name && r.failing_sample.length > 0 && (
                <tr>
                  <td colSpan={5}>
                    <Sample rows={r.failing_sample} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Sample({ rows }: { rows: Record<string, unknown>[] }) {
  const columns = Object.keys(rows[0] ?? {});
  return (
    <table className="small-table q-sample" data-testid="q-sample">
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c}>{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            {columns.map((c) => (
              <td key={c}>{row[c] === null ? <span className="muted">null</span> : typeof row[c] === 'object' ? JSON.stringify(row[c]) : String(row[c])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function HistoryChart() {
  const history = useQuality((s) => s.history);
  const { points, checks } = historyPoints(history);
  if (points.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <div style={{ width: '100%', height: 220 }} data-testid="q-history">
      <ResponsiveContainer>
        <LineChart data={points} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
          <XAxis dataKey="run" tick={{ fontSize: 10 }} />
          <YAxis tick={{ fontSize: 10 }} width={40} allowDecimals={false} />
          <Tooltip />
          <Legend />
          {checks.map((c, i) => (
            <Line key={c} dataKey={c} stroke={LINE_COLORS[i % LINE_COLORS.length]} dot isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function QualityPanel({ table, connectionId, version, columns }: { table: FoundTable; connectionId?: string; version?: string; columns: string[] }) {
  const { rules, dirty, report, running, error, load, setRules, save, run } = useQuality();
  useEffect(() => {
    void load(table.location, connectionId);
  }, [table.location, connectionId, load]);
  const update = (index: number, check: QualityCheck) => setRules(rules.map((c, i) => (i === index ? check : c)));
  return (
    <div className="quality" data-testid="quality-panel">
      <div className="mt-ops">
        {rules.length === 0 && <p className="muted" style={{ padding: 8, margin: 0 }}>No checks yet: add one.</p>}
        {rules.map((check, i) => (
          <CheckEditor key={i} check={check} columns={columns} onChange={(c) => update(i, c)} onRemove={() => setRules(rules.filter((_, j) => j !== i))} />
        ))}
      </div>
      <div className="mt-actions" style={{ justifyContent: 'flex-start', margin: '6px 0' }}>
        <button onClick={() => setRules([...rules, { name: newCheckName(rules), check_type: 'not_null', column_name: columns[0] ?? null }])} data-testid="q-add">
          + Add check
        </button>
        <button onClick={() => void save()} disabled={!dirty} data-testid="q-save">
          Save rules
        </button>
        <button className="primary" onClick={() => void run(version)} disabled={running || rules.length === 0} data-testid="q-run">
          {running ? 'Running…' : `Run checks${version === undefined ? '' : ` at v${version}`}`}
        </button>
      </div>
      {error && <p className="status-error">{error}</p>}
      {report && <Report results={report.results} version={report.version} />}
      <h4>History: failing rows per run</h4>
      <HistoryChart />
    </div>
  );
}
