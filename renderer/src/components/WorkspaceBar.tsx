/** The top bar: the opened location, switching between saved connections, theme and help. */
import { useState } from 'react';
import { useTheme, type ThemeChoice } from '../stores/theme';
import { useWorkspace } from '../stores/workspace';
import { ConnectionDialog } from './ConnectionDialog';

/** Selector values: a saved connection by id, a local folder by its location. */
const FOLDER = 'folder:';

/** The last part of a folder's path, which names it in the selector (the full path is beside it). */
const folderName = (location: string): string => location.replace(/[\\/]+$/, '').split(/[\\/]/).at(-1) || location;

export function WorkspaceBar({ onHelp }: { onHelp(): void }) {
  const { info, connections, open, loading, error, removeConnection } = useWorkspace();
  const { choice, setChoice } = useTheme();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState(false);
  const current = connections.find((c) => c.id === info?.connectionId);
  const folders = info?.localFolders ?? [];
  const selected = info?.connectionId ?? (info && folders.includes(info.root) ? `${FOLDER}${info.root}` : '');
  return (
    <header className="topbar">
      <strong className="brand">Lakebench</strong>
      <select
        value={selected}
        onChange={(e) => {
          setRemoving(false);
          const value = e.target.value;
          if (value.startsWith(FOLDER)) return void open(value.slice(FOLDER.length));
          const connection = connections.find((c) => c.id === value);
          if (connection) void open(connection.root, connection.id);
        }}
        data-testid="connection-select"
        title="Local folders and saved connections"
      >
        {selected === '' && <option value="">{info?.isSample ? 'Sample lake' : 'Local folder'}</option>}
        {folders.length > 0 && (
          <optgroup label="Local folders">
            {folders.map((f) => (
              <option key={f} value={`${FOLDER}${f}`} title={f}>
                {folderName(f)} (folder)
              </option>
            ))}
          </optgroup>
        )}
        {connections.length > 0 && (
          <optgroup label="Connections">
            {connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.kind})
              </option>
            ))}
          </optgroup>
        )}
      </select>
      <span className="path muted" data-testid="workspace-root" title={info?.root}>
        {loading ? 'Opening…' : info?.root}
      </span>
      {error && <span className="status-error" title={error}>{error}</span>}
      <span className="spacer" />
      {current &&
        (removing ? (
          <span className="row" data-testid="remove-connection-confirm">
            Remove “{current.name}” and its secret?
            <button className="primary danger" onClick={() => void removeConnection(current.id).finally(() => setRemoving(false))} data-testid="remove-connection-yes">
              Remove
            </button>
            <button onClick={() => setRemoving(false)} data-testid="remove-connection-no">
              Keep
            </button>
          </span>
        ) : (
          <button className="link" onClick={() => setRemoving(true)} title="Forget this connection and its secret (asks first)" data-testid="remove-connection">
            Remove connection
          </button>
        ))}
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
