/**
 * Importing files into a Delta table (created when absent) as a job: the files are paths on the
 * engine's machine (typed in web mode, where the page cannot see the disk), the mode is append,
 * overwrite or merge on key columns, optionally partitioned. Progress and the result land in the jobs drawer.
 */
import { useState } from 'react';
import type { ImportJobArgs } from '../../../core/api/workbench';
import { IMPORT_FORMATS, IMPORT_MODES } from '../../../core/api/types';
import { api, errorMessage } from '../api/client';
import { splitList } from '../logic/format';
import { useJobs } from '../stores/jobs';
import { useEscape } from './use-escape';

type ImportMode = (typeof IMPORT_MODES)[number];
type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportTarget {
  /** Full location of the table to import into (an existing table or a new folder). */
  location: string;
  connectionId?: string;
}

export function ImportDialog({ target, onClose }: { target: ImportTarget; onClose(): void }) {
  const [location, setLocation] = useState(target.location);
  const [inputs, setInputs] = useState('');
  const [format, setFormat] = useState<ImportFormat | ''>('');
  const [mode, setMode] = useState<ImportMode>('append');
  const [key, setKey] = useState('');
  const [partitionBy, setPartitionBy] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  useEscape(onClose);

  const submit = async () => {
    const args: ImportJobArgs = {
      location: location.trim(),
      connectionId: target.connectionId,
      inputs: inputs.split('\n').map((line) => line.trim()).filter(Boolean),
      mode,
      ...(format && { format }),
      ...(mode === 'merge' && { key: splitList(key) }),
      ...(splitList(partitionBy).length > 0 && { partitionBy: splitList(partitionBy) }),
    };
    setBusy(true);
    setError(undefined);
    try {
      useJobs.getState().track(await api().importFiles(args));
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="overlay" data-testid="import-dialog">
      <form
        className="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h3>Import files</h3>
        <label>
          Into table (created when absent)
          <input value={location} onChange={(e) => setLocation(e.target.value)} data-testid="import-location" />
        </label>
        <label>
          Files or glob patterns on the engine's machine, one per line
          <textarea rows={3} value={inputs} onChange={(e) => setInputs(e.target.value)} placeholder="/data/orders-*.csv" data-testid="import-inputs" />
        </label>
        <div className="row">
          <label>
            Format
            <select value={format} onChange={(e) => setFormat(e.target.value as ImportFormat | '')} data-testid="import-format">
              <option value="">from the extension</option>
              {IMPORT_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </label>
          <label>
            Mode
            <select value={mode} onChange={(e) => setMode(e.target.value as ImportMode)} data-testid="import-mode">
              {IMPORT_MODES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        </div>
        {mode === 'merge' && (
          <label>
            Key columns (comma-separated): rows with a matching key are replaced
            <input value={key} onChange={(e) => setKey(e.target.value)} data-testid="import-key" required />
          </label>
        )}
        <label>
          Partition by (comma-separated, new tables only)
          <input value={partitionBy} onChange={(e) => setPartitionBy(e.target.value)} data-testid="import-partition-by" />
        </label>
        {error && (
          <p className="status-error" data-testid="import-error">
            {error}
          </p>
        )}
        <div className="row">
          <span className="spacer" />
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !inputs.trim() || !location.trim()} data-testid="import-start">
            Import
          </button>
        </div>
      </form>
    </div>
  );
}
