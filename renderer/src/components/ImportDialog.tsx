/**
 * Importing files into a Delta table (created when absent) as a job: the files are paths on the
 * engine's machine, typed, picked (the native dialog in Electron, a file input in the browser) or
 * dropped (uploaded to the server first in web mode); the mode is append, overwrite or merge on key
 * columns, optionally partitioned. Progress and the result land in the jobs drawer.
 */
import { useEffect, useRef, useState } from 'react';
import type { ImportJobArgs } from '../../../core/api/workbench';
import { IMPORT_FORMATS, IMPORT_MODES } from '../../../core/api/types';
import { api, errorMessage } from '../api/client';
import { splitList } from '../logic/format';
import { useJobs } from '../stores/jobs';
import { draggedFiles, enginePaths } from '../stores/uploads';
import { useEscape } from './use-escape';

type ImportMode = (typeof IMPORT_MODES)[number];
type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportTarget {
  /** Full location of the table to import into (an existing table or a new folder). */
  location: string;
  connectionId?: string;
  /** Files to import, prefilled (paths on the engine's machine). */
  inputs?: string[];
  /** Files dropped on the explorer, to upload (web) or read in place (Electron) when the dialog opens. */
  files?: File[];
  /** An existing table that only takes appended rows (an Iceberg table: one `append` snapshot) offers no other mode. */
  appendOnly?: boolean;
}

export function ImportDialog({ target, onClose }: { target: ImportTarget; onClose(): void }) {
  const [location, setLocation] = useState(target.location);
  const [inputs, setInputs] = useState((target.inputs ?? []).join('\n'));
  const [format, setFormat] = useState<ImportFormat | ''>('');
  const [mode, setMode] = useState<ImportMode>('append');
  const [key, setKey] = useState('');
  const [partitionBy, setPartitionBy] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [adding, setAdding] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);
  useEscape(onClose);

  /** Adds the files' engine paths to the list (after uploading them in web mode). */
  const addFiles = async (files: readonly File[]) => {
    if (files.length === 0) return;
    setAdding(`Uploading ${files.length === 1 ? files[0].name : `${files.length} files`}…`);
    setError(undefined);
    try {
      const paths = await enginePaths(files);
      setInputs((old) => [...old.split('\n').filter((line) => line.trim()), ...paths].join('\n'));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setAdding(undefined);
    }
  };
  const pick = async () => {
    const client = api();
    if (!client.pickFiles) return fileInput.current?.click();
    const paths = await client.pickFiles({});
    if (paths.length) setInputs((old) => [...old.split('\n').filter((line) => line.trim()), ...paths].join('\n'));
  };
  const dropped = target.files;
  useEffect(() => {
    if (dropped) void addFiles(dropped);
  }, [dropped]);

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
        onDragOver={(e) => draggedFiles(e) && e.preventDefault()}
        onDrop={(e) => {
          const files = draggedFiles(e);
          if (!files) return;
          e.preventDefault();
          void addFiles(files);
        }}
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
          Files or glob patterns on the engine's machine, one per line (or drop files here)
          <textarea rows={3} value={inputs} onChange={(e) => setInputs(e.target.value)} placeholder="/data/orders-*.csv" data-testid="import-inputs" />
        </label>
        <div className="row">
          <button type="button" onClick={() => void pick()} disabled={!!adding} data-testid="import-pick">
            Choose files…
          </button>
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            onChange={(e) => {
              void addFiles(Array.from(e.target.files ?? []));
              e.target.value = ''; // the same file can be chosen again
            }}
            data-testid="import-file-input"
          />
          {adding && (
            <span className="muted" data-testid="import-uploading">
              {adding}
            </span>
          )}
        </div>
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
              {(target.appendOnly ? (['append'] as const) : IMPORT_MODES).map((m) => (
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
        {!target.appendOnly && (
          <label>
            Partition by (comma-separated, new tables only)
            <input value={partitionBy} onChange={(e) => setPartitionBy(e.target.value)} data-testid="import-partition-by" />
          </label>
        )}
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
          <button type="submit" className="primary" disabled={busy || !!adding || !inputs.trim() || !location.trim()} data-testid="import-start">
            Import
          </button>
        </div>
      </form>
    </div>
  );
}
