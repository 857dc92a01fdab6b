/**
 * One table: the time-travel slider (bound to the editor: moving it pins the table's view at that
 * version in the active tab and re-runs its query), and history, schema, files, partitions and a
 * comparison of two versions.
 */
import { useEffect, useState } from 'react';
import type { FileEntry, HistoryEntry } from '../../../core/api/workbench';
import { formatBytes, formatCount, formatDate } from '../logic/format';
import { commitSummary } from '../logic/table-stats';
import { travelTo } from '../stores/actions';
import { useTableView, type TableTab } from '../stores/table-view';
import { ArchiveView } from './ArchiveView';
import { ImportDialog } from './ImportDialog';
import { LakeSyncView } from './LakeSyncView';
import { LakesideView } from './LakesideView';
import { MaintenancePanel } from './MaintenancePanel';
import { PartitionsChart } from './PartitionsChart';
import { QualityPanel } from './QualityPanel';
import { TabBar } from './TabBar';

const TABS: TableTab[] = ['history', 'schema', 'files', 'partitions', 'compare', 'maintenance', 'quality'];
const FOLDER_TABS: TableTab[] = ['schema', 'files', 'partitions', 'maintenance'];

function plusMinus(added?: number, removed?: number, format: (n: number) => string = formatCount): string {
  const parts = [added ? `+${format(added)}` : '', removed ? `−${format(removed)}` : ''].filter(Boolean);
  return parts.join(' ');
}

function HistoryTimeline({ history, version }: { history: HistoryEntry[]; version?: number }) {
  return (
    <ol className="timeline" data-testid="history">
      {history.map((h) => {
        const s = commitSummary(h);
        return (
          <li key={h.version} className={h.version === version ? 'current' : ''} onClick={() => void travelTo(h.version)}>
            <div className="timeline-head">
              <strong>v{h.version}</strong> <span>{h.operation ?? 'commit'}</span>
              {h.onlyDeletionVectors && (
                <span className="muted" data-testid="history-dv-only" title="Rows were deleted by deletion vectors: no data file was rewritten">
                  only deletion vectors
                </span>
              )}
              <span className="muted">{formatDate(h.timestamp)}</span>
            </div>
            <div className="timeline-metrics muted">
              {[
                plusMinus(s.rowsAdded, s.rowsRemoved) && `rows ${plusMinus(s.rowsAdded, s.rowsRemoved)}`,
                plusMinus(s.filesAdded, s.filesRemoved) && `files ${plusMinus(s.filesAdded, s.filesRemoved)}`,
                plusMinus(s.bytesAdded, s.bytesRemoved, formatBytes) && `bytes ${plusMinus(s.bytesAdded, s.bytesRemoved, formatBytes)}`,
                typeof h.operationParameters?.predicate === 'string' && `where ${h.operationParameters.predicate}`,
              ]
                .filter(Boolean)
                .join(' · ')}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function TimeTravelSlider({ versions, version }: { versions: number[]; version?: number }) {
  // The slider moves over positions in the list of versions: the log may start after version 0.
  const index = version === undefined ? versions.length - 1 : versions.indexOf(version);
  const [dragging, setDragging] = useState<number>();
  const shown = dragging ?? index;
  if (versions.length === 0) return null;
  const commit = (position: number) => {
    setDragging(undefined);
    if (versions[position] !== version) void travelTo(versions[position]);
  };
  return (
    <div className="time-travel">
      <label htmlFor="time-travel">Version</label>
      <input
        id="time-travel"
        type="range"
        min={0}
        max={versions.length - 1}
        step={1}
        value={shown}
        data-testid="time-travel"
        onChange={(e) => setDragging(Number(e.target.value))}
        onPointerUp={(e) => commit(Number((e.target as HTMLInputElement).value))}
        onKeyUp={(e) => commit(Number((e.target as HTMLInputElement).value))}
      />
      <strong data-testid="time-travel-version">v{versions[shown]}</strong>
      <span className="muted">of v{versions[versions.length - 1]}</span>
    </div>
  );
}

function CompareTab({ versions }: { versions: number[] }) {
  const { compare, compareVersions, version } = useTableView();
  const [from, setFrom] = useState(versions[0]);
  const [to, setTo] = useState(version ?? versions[versions.length - 1]);
  useEffect(() => setTo(version ?? versions[versions.length - 1]), [version, versions]);
  const pick = (value: number, onChange: (v: number) => void) => (
    <select value={value} onChange={(e) => onChange(Number(e.target.value))}>
      {versions.map((v) => (
        <option key={v} value={v}>
          v{v}
        </option>
      ))}
    </select>
  );
  return (
    <div data-testid="compare">
      <div className="row">
        From {pick(from, setFrom)} to {pick(to, setTo)}
        <button onClick={() => void compareVersions(from, to)} data-testid="compare-run">
          Compare
        </button>
      </div>
      {compare && (
        <table className="small-table" data-testid="compare-result">
          <tbody>
            <tr>
              <td>Rows</td>
              <td>
                {formatCount(compare.rowsFrom)} → {formatCount(compare.rowsTo)} (+{formatCount(compare.rowsAdded)} / −{formatCount(compare.rowsRemoved)})
              </td>
            </tr>
            <tr>
              <td>Files</td>
              <td>
                +{compare.filesAdded} / −{compare.filesRemoved}
              </td>
            </tr>
            <tr>
              <td>Schema</td>
              <td>{compare.schemaChanges.length === 0 ? 'unchanged' : compare.schemaChanges.map((c) => `${c.column}: ${c.change}`).join(', ')}</td>
            </tr>
          </tbody>
        </table>
      )}
    </div>
  );
}

function typeText(type: unknown): string {
  return typeof type === 'string' ? type : JSON.stringify(type);
}

interface SchemaColumn {
  name: string;
  type: string;
  nullable?: boolean;
  /** With column mapping: the name in data files and the column id. */
  physicalName?: string;
  fieldId?: number;
}

/** Columns with their type (Delta's or DuckDB's), nullability when known, partition role, and physical name and id under column mapping. */
function SchemaTable({ columns, partitionColumns }: { columns: SchemaColumn[]; partitionColumns: string[] }) {
  const mapped = columns.some((c) => c.physicalName !== undefined);
  return (
    <table className="small-table" data-testid="schema">
      {mapped && (
        <thead>
          <tr>
            <th>Column</th>
            <th>Type</th>
            <th />
            <th />
            <th>Physical name</th>
            <th>Field id</th>
          </tr>
        </thead>
      )}
      <tbody>
        {columns.map((c) => (
          <tr key={c.name}>
            <td>{c.name}</td>
            <td className="muted">{c.type}</td>
            <td>{c.nullable === undefined ? '' : c.nullable ? 'null' : 'not null'}</td>
            <td>{partitionColumns.includes(c.name) ? 'partition' : ''}</td>
            {mapped && <td className="muted path">{c.physicalName}</td>}
            {mapped && <td className="muted">{c.fieldId}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Live files; where deletion vectors delete rows, each file's deleted rows and the live-row total. */
function FilesTable({ files, liveRows }: { files: FileEntry[]; liveRows?: number }) {
  const withDv = files.some((f) => f.deletedRows !== undefined);
  return (
    <table className="small-table" data-testid="files">
      <thead>
        <tr>
          <th>File</th>
          <th>Rows</th>
          {withDv && <th title="Rows a deletion vector deletes">Deleted</th>}
          <th>Size</th>
          <th>Modified</th>
        </tr>
      </thead>
      <tbody>
        {files.map((f) => (
          <tr key={f.path} title={f.stats ? JSON.stringify(f.stats) : undefined}>
            <td className="path">{f.path}</td>
            <td>{formatCount(f.stats?.numRecords)}</td>
            {withDv && <td data-testid="file-deleted-rows">{f.deletedRows === undefined ? '' : formatCount(f.deletedRows)}</td>}
            <td>{formatBytes(f.size)}</td>
            <td>{formatDate(f.modificationTime)}</td>
          </tr>
        ))}
      </tbody>
      {withDv && liveRows !== undefined && (
        <tfoot>
          <tr>
            <td>Live rows</td>
            <td data-testid="files-live-rows">{formatCount(liveRows)}</td>
          </tr>
        </tfoot>
      )}
    </table>
  );
}

/** A plain Parquet folder: what its files say, and plainly no history (there is no log). */
function ParquetFolderView() {
  const { table, connectionId, folder, tab, setTab } = useTableView();
  const shown = FOLDER_TABS.includes(tab) ? tab : 'schema';
  if (!folder || !table) return null;
  return (
    <>
      <p className="muted" data-testid="no-history">
        Plain Parquet folder: there is no transaction log, so no history, versions or time travel.
      </p>
      <TabBar tabs={FOLDER_TABS} tab={shown} setTab={setTab} prefix="table" />
      {shown === 'schema' && <SchemaTable columns={folder.columns} partitionColumns={folder.partitionColumns} />}
      {shown === 'files' && <FilesTable files={folder.files} />}
      {shown === 'partitions' && <PartitionsChart result={folder} />}
      {shown === 'maintenance' && <MaintenancePanel table={table} connectionId={connectionId} />}
    </>
  );
}

export function TableView() {
  const { table, connectionId, history, version, tab, setTab, details, loading, error, close } = useTableView();
  const [importing, setImporting] = useState(false);
  if (!table) return null;
  const versions = history.map((h) => h.version).sort((a, b) => a - b);
  const isDelta = table.layout === 'delta';
  return (
    <div className="inspector-body" data-testid="table-view">
      <div className="row">
        <h3>{table.name}</h3>
        <span className={`badge badge-${table.layout}`}>{table.layout}</span>
        <span className="spacer" />
        {isDelta && (
          <button onClick={() => setImporting(true)} title="Import files into this table (a job)" data-testid="table-import">
            Import…
          </button>
        )}
        <button className="link" onClick={close} title="Close the table view">
          ×
        </button>
      </div>
      <p className="muted path" title={table.location}>
        {table.location}
      </p>
      {isDelta && details.schema && details.schema.features.length > 0 && (
        <p className="muted" data-testid="table-features">
          {details.schema.features.join(' · ')}
        </p>
      )}
      {loading && <p className="muted">Loading…</p>}
      {error && <p className="status-error">{error}</p>}
      {table.layout === 'parquet' && <ParquetFolderView />}
      {table.layout === 'des' && <ArchiveView table={table} connectionId={connectionId} />}
      {table.layout === 'lakesync' && <LakeSyncView table={table} connectionId={connectionId} />}
      {table.layout === 'lakeside' && <LakesideView table={table} connectionId={connectionId} />}
      {isDelta && (
        <>
          <TimeTravelSlider versions={versions} version={version} />
          <TabBar tabs={TABS} tab={tab} setTab={setTab} prefix="table" />
          {tab === 'history' && <HistoryTimeline history={history} version={version} />}
          {tab === 'schema' && details.schema && (
            <SchemaTable
              columns={details.schema.fields.map((f) => ({ name: f.name, type: typeText(f.type), nullable: f.nullable, physicalName: f.physicalName, fieldId: f.fieldId }))}
              partitionColumns={details.schema.partitionColumns}
            />
          )}
          {tab === 'files' && details.files && <FilesTable files={details.files.files} liveRows={details.files.liveRows} />}
          {tab === 'partitions' && details.partitions && <PartitionsChart result={details.partitions} />}
          {tab === 'compare' && versions.length > 0 && <CompareTab versions={versions} />}
          {tab === 'maintenance' && <MaintenancePanel table={table} connectionId={connectionId} />}
          {tab === 'quality' && (
            <QualityPanel table={table} connectionId={connectionId} version={version} columns={details.schema?.fields.map((f) => f.name) ?? []} />
          )}
        </>
      )}
      {importing && <ImportDialog target={{ location: table.location, connectionId }} onClose={() => setImporting(false)} />}
    </div>
  );
}
