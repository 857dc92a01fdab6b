/** The keyboard shortcuts overlay (`?`), with the way to Diagnostics. */
import { useDiagnostics } from '../stores/diagnostics';

export const SHORTCUTS: Array<[keys: string, what: string]> = [
  ['Ctrl/⌘ + Enter', 'Run the statement under the cursor, or the selection'],
  ['Alt + .', 'Cancel the running query'],
  ['Alt + N', 'New editor tab'],
  ['Alt + W', 'Close the editor tab'],
  ['Alt + J', 'Show or hide the jobs drawer'],
  ['Alt + F', 'Filter the explorer'],
  ['Double-click a cell', 'Copy its value'],
  ['?', 'This help'],
  ['Esc', 'Close dialogs and this help'],
];

export function ShortcutsHelp({ onClose }: { onClose(): void }) {
  return (
    <div className="overlay" onClick={onClose} data-testid="shortcuts-help">
      <div className="dialog" role="dialog" aria-label="Keyboard shortcuts" onClick={(e) => e.stopPropagation()}>
        <h3>Keyboard shortcuts</h3>
        <table className="small-table">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys}>
                <td>
                  <kbd>{keys}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="row">
          <button
            onClick={() => {
              onClose();
              void useDiagnostics.getState().show();
            }}
            data-testid="open-diagnostics"
            title="What the engine runs on and whether it can: native modules, DuckDB, catalog, cache, AWS settings (lakebench doctor)"
          >
            Diagnostics…
          </button>
          <span className="spacer" />
          <button onClick={onClose}>Close</button>
        </div>
      </div>
    </div>
  );
}
