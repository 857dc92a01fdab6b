/** The top bar: the opened location, switching between saved connections, theme and help. */
import { useState } from 'react';
import { useTheme, type ThemeChoice } from '../stores/theme';
import { useWorkspace } from '../stores/workspace';
import { ConnectionDialog } from './ConnectionDialog';

export function WorkspaceBar({ onHelp }: { onHelp(): void }) {
  const { info, connections, open, loading, error, removeConnection } = useWorkspace();
  const { choice, setChoice } = useTheme();
  const [adding, setAdding] = useState(false);
  const current = connections.find((c) => c.id === info?.connectionId);
  return (
    <header className="topbar">
      <strong className="brand">Lakebench</strong>
      <select
        value={info?.connectionId ?? ''}
        onChange={(e) => {
          const connection = connections.find((c) => c.id === e.target.value);
          if (connection) void open(connection.root, connection.id);
        }}
        data-testid="connection-select"
        title="Saved connections"
      >
        <option value="" disabled={!!info?.connectionId}>
          {info?.isSample ? 'Sample lake' : info?.connectionId ? 'Choose a connection' : 'Local folder'}
        </option>
        {connections.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} ({c.kind})
          </option>
        ))}
      </select>
      <span className="path muted" data-testid="workspace-root" title={info?.root}>
        {loading ? 'Opening…' : info?.root}
      </span>
      {error && <span className="status-error" title={error}>{error}</span>}
      <span className="spacer" />
      {current && (
        <button className="link" onClick={() => void removeConnection(current.id)} title="Forget this connection and its secret">
          Remove connection
        </button>
      )}
      <button onClick={() => setAdding(true)} data-testid="add-connection">
        + Connection
      </button>
      <select value={choice} onChange={(e) => setChoice(e.target.value as ThemeChoice)} title="Theme" data-testid="theme">
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
      <button onClick={onHelp} title="Keyboard shortcuts (?)" data-testid="help">
        ?
      </button>
      {adding && <ConnectionDialog onClose={() => setAdding(false)} />}
    </header>
  );
}
