/** Bytes and file counts per partition (recharts), with partitions of many small files called out. */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { PartitionsResult } from '../../../core/api/workbench';
import { formatBytes, formatCount } from '../logic/format';
import { MAINTENANCE_DEFAULTS } from '../../../core/api/workbench';
import { compactablePartitions, partitionLabel } from '../logic/table-stats';

/** Delta partitions at a version, or a Parquet folder's (which has no version). */
export function PartitionsChart({ result }: { result: Pick<PartitionsResult, 'partitionColumns' | 'partitions' | 'total'> }) {
  const data = result.partitions.map((p) => ({ name: partitionLabel(p.partitionValues), bytes: p.bytes, files: p.files, rows: p.rows }));
  const small = compactablePartitions(result.partitions);
  return (
    <div data-testid="partitions">
      <p className="muted">
        {result.partitionColumns.length ? `Partitioned by ${result.partitionColumns.join(', ')}` : 'Not partitioned'} · {formatCount(result.total ?? result.partitions.length)} partitions
      </p>
      {small.length > 0 && (
        <p className="warn" data-testid="small-files">
          ⚠ {small.length} partition{small.length > 1 ? 's have' : ' has'} at least {MAINTENANCE_DEFAULTS.minFiles} files under{' '}
          {formatBytes(MAINTENANCE_DEFAULTS.targetSize)}: compaction would help scans (Compact with its defaults merges them).
        </p>
      )}
      <div style={{ width: '100%', height: 240 }}>
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
            <XAxis dataKey="name" tick={{ fontSize: 10 }} />
            <YAxis yAxisId="bytes" tickFormatter={(v: number) => formatBytes(v)} tick={{ fontSize: 10 }} width={60} />
            <YAxis yAxisId="files" orientation="right" tick={{ fontSize: 10 }} width={30} allowDecimals={false} />
            <Tooltip formatter={(value, name) => (name === 'bytes' ? formatBytes(Number(value)) : formatCount(Number(value)))} />
            <Legend />
            <Bar yAxisId="bytes" dataKey="bytes" fill="var(--accent)" isAnimationActive={false} />
            <Bar yAxisId="files" dataKey="files" fill="var(--accent-2)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="small-table">
        <thead>
          <tr>
            <th>Partition</th>
            <th>Files</th>
            <th>Rows</th>
            <th>Bytes</th>
          </tr>
        </thead>
        <tbody>
          {result.partitions.map((p) => {
            const label = partitionLabel(p.partitionValues);
            return (
              <tr key={label} className={small.includes(p) ? 'warn' : ''}>
                <td>{label}</td>
                <td>{p.files}</td>
                <td>{formatCount(p.rows)}</td>
                <td>{formatBytes(p.bytes)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
