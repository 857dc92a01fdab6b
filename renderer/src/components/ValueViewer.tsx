/** The focused cell's whole value beside the grid: long text wrapped, JSON and nested values indented, binary as hex. */
import { viewOf } from '../logic/value-view';

interface Props {
  column: { name: string; type: string };
  row: number;
  value: unknown;
  onClose(): void;
}

export function ValueViewer({ column, row, value, onClose }: Props) {
  const view = viewOf(value, column.type);
  return (
    <aside className="value-viewer" data-testid="value-viewer" aria-label="Value viewer">
      <div className="value-viewer-head">
        <strong>{column.name}</strong>
        <span className="muted">
          {column.type} · row {(row + 1).toLocaleString('en-US')}
        </span>
        <span className="spacer" />
        <button onClick={() => void navigator.clipboard?.writeText(view.text).catch(() => undefined)} title="Copy the value">
          Copy
        </button>
        <button className="link" onClick={onClose} title="Close the value viewer" aria-label="Close the value viewer">
          ✕
        </button>
      </div>
      <div className="muted value-viewer-summary" data-testid="value-summary">
        {view.summary}
      </div>
      <pre className={`value-viewer-body value-${view.kind}`} data-testid="value-body">
        {view.text}
      </pre>
    </aside>
  );
}
