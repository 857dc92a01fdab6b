/** Preview of the selected object: Parquet footer (schema, row groups, column stats) and first rows; text heads. */
import type { PreviewResult } from '../../../core/api/workbench';
import { countOf, formatBytes, formatCell, formatCount } from '../logic/format';
import { useExplorer } from '../stores/explorer';

function ParquetPreview({ result }: { result: Extract<PreviewResult, { kind: 'parquet' }> }) {
  return (
    <>
      <p className="muted">
        {countOf(result.rows, 'row')} · {countOf(result.rowGroups.length, 'row group')} · {formatBytes(result.size)}
      </p>
      <h4>Schema</h4>
      <table className="small-table" data-testid="preview-schema">
        <tbody>
          {result.schema.map((c) => (
            <tr key={c.name}>
              <td>{c.name}</td>
              <td className="muted">{c.type}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Row groups</h4>
      <table className="small-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Rows</th>
            <th>Bytes</th>
          </tr>
        </thead>
        <tbody>
          {result.rowGroups.map((g) => (
            <tr key={g.index}>
              <td>{g.index}</td>
              <td>{formatCount(g.rows)}</td>
              <td>{formatBytes(g.bytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Column statistics</h4>
      <table className="small-table">
        <thead>
          <tr>
            <th>RG</th>
            <th>Column</th>
            <th>Min</th>
            <th>Max</th>
            <th>Nulls</th>
            <th>Codec</th>
            <th>Size</th>
          </tr>
        </thead>
        <tbody>
          {result.columnStats.map((s) => (
            <tr key={`${s.rowGroup}/${s.column}`}>
              <td>{s.rowGroup}</td>
              <td>{s.column}</td>
              <td>{s.min}</td>
              <td>{s.max}</td>
              <td>{s.nullCount}</td>
              <td className="muted">{s.compression}</td>
              <td>{formatBytes(s.compressedBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>First rows</h4>
      <div className="scroll-x">
        <table className="small-table" data-testid="preview-rows">
          <thead>
            <tr>
              {result.head.columns.map((c) => (
                <th key={c.name}>{c.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.head.rows.map((row, i) => (
              <tr key={i}>
                {row.map((v, j) => (
                  <td key={j}>{formatCell(v)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function ObjectPreview() {
  const preview = useExplorer((s) => s.preview);
  if (!preview) return null;
  const { result } = preview;
  return (
    <div className="inspector-body" data-testid="object-preview">
      <h3 title={preview.key}>{preview.key.split('/').pop()}</h3>
      {preview.loading && <p className="muted">Loading…</p>}
      {preview.error && <p className="status-error">{preview.error}</p>}
      {result?.kind === 'parquet' && <ParquetPreview result={result} />}
      {result?.kind === 'text' && (
        <>
          <p className="muted">
            {result.format} · {formatBytes(result.size)}
            {result.truncated ? ' · first lines' : ''}
          </p>
          <pre className="text-head" data-testid="preview-text">
            {result.lines.join('\n')}
          </pre>
        </>
      )}
      {result?.kind === 'binary' && <p className="muted">Binary object, {formatBytes(result.size)}: no preview.</p>}
    </div>
  );
}
