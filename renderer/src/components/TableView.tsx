/**
 * One table: the time-travel slider (bound to the editor: moving it pins the table's view at that
 * version in the active tab and re-runs its query), and history, schema, files, partitions and a
 * comparison of two versions — each shown when the table offers it (its capabilities). A table with a
 * view of its own (a DES archive, a LakeSync or Lakeside bucket) gets that view instead.
 */
import { useState, type ComponentType } from 'react';
import type { FileEntry, FoundTable, HistoryEntry } from '../../../core/api/workbench';
import { formatBytes, formatCount, formatDate, schemaTypeText } from '../logic/format';
import { changedRowsBetween, changedRowsText, commitSummary } from '../logic/table-stats';
import { pinnedVersion, travelTo, unpin } from '../stores/actions';
import { activeTab, useEditor } from '../stores/editor';
import { offers, ownView, PAGE_ROWS, travels, useTableView, versionsOf, type TableTab, type TableViewState } from '../stores/table-view';
import { ArchiveView } from './ArchiveView';
import { ImportDialog } from './ImportDialog';
import { LakeSyncView } from './LakeSyncView';
import { LakesideView } from './LakesideView';
import { MaintenancePanel } from './MaintenancePanel';
import { ManifestsView } from './ManifestsView';
import { Pager } from './Pager';
import { PartitionSpecs } from './PartitionSpecs';
import { PartitionsChart } from './PartitionsChart';
import { QualityPanel } from './QualityPanel';
import { KeyPicker, RowDiffResultView } from './RowDiffView';
import { TabBar } from './TabBar';

/** The views of their own formats name (TableCapabilities.views), by name. */
const OWN_VIEWS: Record<string, ComponentType<{ table: FoundTable; connectionId?: string }>> = {
  archive: ArchiveView,
  lakesync: LakeSyncView,
  lakeside: LakesideView,
};

/** The standard tabs a table offers, in the order shown. */
function tabsOf(table: FoundTable): TableTab[] {
  const tabs: TableTab[] = (['history', 'schema', 'files', 'partitions'] as const).filter((view) => offers(table, view));
  if (offers(table, 'compare') && travels(table)) tabs.push('compare');
  if (Object.keys(table.capabilities.operations).length > 0) tabs.push('maintenance');
  if (offers(table, 'quality')) tabs.push('quality');
  return tabs;
}

function plusMinus(added?: number, removed?: number, format: (n: number) => string = formatCount): string {
  const parts = [added ? `+${format(added)}` : '', removed ? `−${format(removed)}` : ''].filter(Boolean);
  return parts.join(' ');
}

function HistoryTimeline({ history, version, travel }: { history: HistoryEntry[]; version?: string; travel: boolean }) {
  return (
    <ol className="timeline" data-testid="history">
      {history.map((h) => {
        const s = commitSummary(h);
        return (
          <li
            key={h.version}
            className={h.version === version ? 'current' : ''}
            onClick={travel ? () => void travelTo(h.version) : undefined}
            title={h.parent === undefined ? undefined : `parent: v${h.parent}`}
            data-version={h.version}
          >
            <div className="timeline-head">
              <strong>v{h.version}</strong> <span>{h.operation ?? 'commit'}</span>
              {h.onlyDeletionVectors && (
                <span className="muted" data-testid="history-dv-only" title="Rows were deleted by deletion vectors: no data file was rewritten">
                  only deletion vectors
                </span>
              )}
              {h.refs?.map((ref) => (
                <span key={ref} className="badge" data-testid="history-ref">
                  {ref}
                </span>
              ))}
              <span className="muted">{formatDate(h.timestamp)}</span>
            </div>
            <div className="timeline-metrics muted">
              {[
                changedRowsText(s, formatCount) && `rows ${changedRowsText(s, formatCount)}`,
                plusMinus(s.fileRowsAdded, s.fileRowsRemoved) && `rows in files written/removed ${plusMinus(s.fileRowsAdded, s.fileRowsRemoved)}`,
                plusMinus(s.filesAdded, s.filesRemoved) && `files ${plusMinus(s.filesAdded, s.filesRemoved)}`,
                s.deleteFilesAdded && `delete files +${formatCount(s.deleteFilesAdded)}`,
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

function TimeTravelSlider({ table, versions, version }: { table: FoundTable; versions: string[]; version?: string }) {
  // Re-renders when the active tab's bindings change: the pin is theirs.
  useEditor((s) => activeTab(s).bindings);
  const pinned = pinnedVersion(table);
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
      {pinned !== undefined && (
        <button className="link" onClick={() => void unpin(table.name)} title="Queries of this tab read this version; read the latest again" data-testid="slider-unpin">
          pinned v{pinned} — back to latest
        </button>
      )}
    </div>
  );
}

function CompareTab({ versions }: { versions: string[] }) {
  const { compare, rowDiff, comparing, compareVersions, version, history, details } = useTableView();
  const ordinal = (v: string) => history.find((h) => h.version === v)?.ordinal;
  const [fromOrdinal, toOrdinal] = compare ? [ordinal(compare.from), ordinal(compare.to)] : [];
  const byCommits =
    fromOrdinal !== undefined && toOrdinal !== undefined && fromOrdinal < toOrdinal ? changedRowsText(changedRowsBetween(history, fromOrdinal, toOrdinal), formatCount) : '';
  // The pickers start on the comparison shown (else the first version and the slider's) and then only the
  // user moves them: what they show is what Compare runs, and what it ran stays named above its result.
  const [from, setFrom] = useState(compare?.from ?? versions[0]);
  const [to, setTo] = useState(compare?.to ?? version ?? versions[versions.length - 1]);
  const [key, setKey] = useState<string[]>(rowDiff?.key ?? []);
  const pick = (value: string, onChange: (v: string) => void, testId: string) => (
    <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
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
        From {pick(from, setFrom, 'compare-from')} to {pick(to, setTo, 'compare-to')}
        <button onClick={() => void compareVersions(from, to, key)} disabled={comparing} data-testid="compare-run">
          {comparing ? 'Comparing…' : 'Compare'}
        </button>
      </div>
      {details.schema && <KeyPicker columns={details.schema.fields.map((f) => f.name)} selected={key} onChange={setKey} />}
      {compare && (
        <table className="small-table" data-testid="compare-result">
          <caption data-testid="compare-shown">
            v{compare.from} → v{compare.to}
          </caption>
          <tbody>
            <tr>
              <td>Rows</td>
              <td title="Rows of one version and not the other, whole rows compared: an updated row is one out and one in">
                {formatCount(compare.rowsFrom)} → {formatCount(compare.rowsTo)} (+{formatCount(compare.rowsAdded)} / −{formatCount(compare.rowsRemoved)}) whole-row diff
              </td>
            </tr>
            {byCommits && (
              <tr>
                <td>Changed rows</td>
                <td data-testid="compare-commit-rows" title="Summed from the commits' row metrics between the two versions">
                  {byCommits} (commit metrics)
                </td>
              </tr>
            )}
            <tr>
              <td>Data files</td>
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
      {rowDiff && <RowDiffResultView diff={rowDiff} />}
    </div>
  );
}

interface SchemaColumn {
  name: string;
  type: string;
  nullable?: boolean;
  /** Field id (Iceberg; Delta column mapping). */
  id?: number;
  /** With Delta column mapping: the column's name in data files. */
  physicalName?: string;
}

/** Columns with their type (Delta's, Iceberg's or DuckDB's), nullability when known, partition role, field ids and physical names where the format has them. */
function SchemaTable({ columns, partitionColumns }: { columns: SchemaColumn[]; partitionColumns: readonly string[] }) {
  const ids = columns.some((c) => c.id !== undefined);
  const mapped = columns.some((c) => c.physicalName !== undefined);
  return (
    <table className="small-table" data-testid="schema">
      <tbody>
        {columns.map((c) => (
          <tr key={c.name}>
            {ids && (
              <td className="muted num" title="field id" data-testid="field-id">
                {c.id}
              </td>
            )}
            <td>{c.name}</td>
            <td className="muted">{c.type}</td>
            <td>{c.nullable === undefined ? '' : c.nullable ? 'null' : 'not null'}</td>
            <td>{partitionColumns.includes(c.name) ? 'partition' : ''}</td>
            {mapped && (
              <td className="muted path" title="physical name: the column's name in data files" data-testid="physical-name">
                {c.physicalName}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Live files; where deletion vectors delete rows, each file's deleted rows and the live-row total. */
function FilesTable({ files, liveRows }: { files: FileEntry[]; liveRows?: number }) {
  const withDv = files.some((f) => f.deletionVector !== undefined);
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
            {withDv && <td data-testid="file-deleted-rows">{f.deletionVector === undefined ? '' : formatCount(f.deletionVector.cardinality)}</td>}
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

export function TableView() {
  const view = useTableView();
  return view.table ? <OpenTableView view={{ ...view, table: view.table }} /> : null;
}

/** What the table view shows of one open table (the store's state), exported for tests that render it. */
export type ShownTable = Pick<TableViewState, 'connectionId' | 'history' | 'version' | 'tab' | 'setTab' | 'details' | 'pages' | 'showPage' | 'loading' | 'error' | 'close'> & {
  table: FoundTable;
};

export function OpenTableView({ view }: { view: ShownTable }) {
  const { table, connectionId, history, version, tab, setTab, details, pages, showPage, loading, error, close } = view;
  const [importing, setImporting] = useState(false);
  const own = ownView(table);
  const Own = own === undefined ? undefined : OWN_VIEWS[own];
  const travel = travels(table);
  const versions = versionsOf(history).map((h) => h.version);
  const tabs = tabsOf(table);
  const shown = tabs.includes(tab) ? tab : tabs[0];
  return (
    <div className="inspector-body" data-testid="table-view">
      <div className="row">
        <h3>{table.name}</h3>
        <span className={`badge badge-${table.layout}`}>{table.layout}</span>
        <span className="spacer" />
        {table.capabilities.operations.import && (
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
      {details.schema?.features && details.schema.features.length > 0 && (
        <p className="muted" data-testid="table-features">
          {details.schema.features.join(' · ')}
        </p>
      )}
      {loading && <p className="muted">Loading…</p>}
      {error && <p className="status-error">{error}</p>}
      {Own ? (
        <Own table={table} connectionId={connectionId} />
      ) : (
        <>
          {travel ? (
            <TimeTravelSlider table={table} versions={versions} version={version} />
          ) : (
            !offers(table, 'history') && (
              <p className="muted" data-testid="no-history">
                This table keeps no log: there is no history, versions or time travel.
              </p>
            )
          )}
          {shown && <TabBar tabs={tabs} tab={shown} setTab={setTab} prefix="table" />}
          {shown === 'history' && <HistoryTimeline history={history} version={version} travel={travel} />}
          {shown === 'schema' && details.schema && (
            <>
              {details.schema.schemaId !== undefined && <p className="muted">Schema {details.schema.schemaId}</p>}
              <SchemaTable
                columns={details.schema.fields.map((f) => ({ name: f.name, type: schemaTypeText(f.type), nullable: f.nullable, id: f.id, physicalName: f.physicalName }))}
                partitionColumns={details.schema.partitionColumns}
              />
            </>
          )}
          {shown === 'files' && details.manifests && (
            <ManifestsView result={details.manifests} location={table.location} connectionId={connectionId} version={version} />
          )}
          {shown === 'files' && details.files?.total !== undefined && (
            <Pager offset={pages.files} shown={details.files.files.length} total={details.files.total} pageRows={PAGE_ROWS} onPage={(o) => showPage('files', o)} testId="files-pager" />
          )}
          {shown === 'files' && details.files && <FilesTable files={details.files.files} liveRows={details.files.liveRows} />}
          {shown === 'partitions' && details.partitions?.specs && <PartitionSpecs specs={details.partitions.specs} current={details.partitions.currentSpecId} />}
          {shown === 'partitions' && details.partitions?.total !== undefined && (
            <Pager
              offset={pages.partitions}
              shown={details.partitions.partitions.length}
              total={details.partitions.total}
              pageRows={PAGE_ROWS}
              onPage={(o) => showPage('partitions', o)}
              testId="partitions-pager"
            />
          )}
          {shown === 'partitions' && details.partitions && <PartitionsChart result={details.partitions} />}
          {shown === 'compare' && versions.length > 0 && <CompareTab versions={versions} />}
          {shown === 'maintenance' && <MaintenancePanel table={table} connectionId={connectionId} />}
          {shown === 'quality' && (
            <QualityPanel table={table} connectionId={connectionId} version={version} columns={details.schema?.fields.map((f) => f.name) ?? []} />
          )}
        </>
      )}
      {importing && <ImportDialog target={{ location: table.location, connectionId, appendOnly: table.capabilities.operations.import?.variant === 'append-snapshot' }} onClose={() => setImporting(false)} />}
    </div>
  );
}
