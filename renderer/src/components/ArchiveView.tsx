/**
 * A DES shard archive: its shards with their deletion ratios, an entry browser (preview as text, image or
 * hex, and export to a file), and the Maintenance panel's verify (the corruption report names shard and
 * uid) and repack with progress.
 */
import { useEffect, useState } from 'react';
import type { DesEntryPreview, DesEntryRow, DesShardSummary, FoundTable } from '../../../core/api/workbench';
import { formatBytes, formatCount, formatDate } from '../logic/format';
import { useArchive } from '../stores/archive';
import { BucketHead, useReloadAfterRuns } from './BucketParts';
import { MaintenancePanel } from './MaintenancePanel';
import { SmallTable } from './SmallTable';
import { TabBar } from './TabBar';

const TABS = ['shards', 'entries', 'maintenance'] as const;
type ArchiveTab = (typeof TABS)[number];

function Shards({ select }: { select(shard: string): void }) {
  const summary = useArchive((s) => s.summary);
  if (!summary) return null;
  return (
    <SmallTable<DesShardSummary>
      testId="des-shards"
      rows={summary.shards}
      rowKey={(s) => s.name}
      rowProps={(s) => ({ className: 'clickable', onClick: () => select(s.name), 'data-testid': 'des-shard-row' })}
      columns={[
        { header: 'Shard', cell: (s) => s.name },
        { header: 'Entries', className: 'num', cell: (s) => formatCount(s.entries) },
        { header: 'Tombstoned', className: 'num', cell: (s) => formatCount(s.tombstoned) },
        { header: 'Deletion ratio', className: 'nowrap', cell: (s) => <DeletionRatio ratio={s.deletionRatio} /> },
        { header: 'Size', className: 'num', cell: (s) => formatBytes(s.size) },
        { header: 'Sidecar', cell: (s) => (s.hasSidecar ? 'yes' : <span className="warn">missing</span>) },
        { header: 'Modified', className: 'muted nowrap', cell: (s) => formatDate(s.lastModified) },
      ]}
    />
  );
}

function DeletionRatio({ ratio }: { ratio: number }) {
  return (
    <>
      <span className="ratio-bar" title={`${(ratio * 100).toFixed(1)}% tombstoned`}>
        <span style={{ width: `${Math.round(ratio * 100)}%` }} className={ratio >= 0.2 ? 'over' : ''} />
      </span>{' '}
      <span data-testid="des-ratio">{(ratio * 100).toFixed(0)}%</span>
    </>
  );
}

function Preview({ preview }: { preview: DesEntryPreview }) {
  const image = /^(\/9j\/|iVBORw0KGgo|R0lGOD)/.exec(preview.base64); // JPEG, PNG, GIF signatures in base64
  const bytes = Uint8Array.from(atob(preview.base64), (c) => c.charCodeAt(0));
  const hex = Array.from(bytes.subarray(0, 512), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return (
    <div className="des-preview" data-testid="des-preview">
      <p className="muted small">
        {preview.uid} · {formatBytes(preview.size)} from {preview.shard}
        {preview.truncated ? ' · first part shown' : ''}
      </p>
      {image && !preview.truncated ? (
        <img alt={preview.uid} src={`data:image/${image[1] === 'iVBORw0KGgo' ? 'png' : image[1] === 'R0lGOD' ? 'gif' : 'jpeg'};base64,${preview.base64}`} />
      ) : preview.text !== undefined ? (
        <pre data-testid="des-preview-text">{preview.text}</pre>
      ) : (
        <pre data-testid="des-preview-hex">{hex}</pre>
      )}
    </div>
  );
}

function Entries() {
  const { summary, shard, entries, preview, exported, selectShard, showEntry, exportEntry } = useArchive();
  const [path, setPath] = useState('');
  if (!summary) return null;
  return (
    <div className="des-entries">
      <label className="mt-field">
        Shard
        <select value={shard ?? ''} onChange={(e) => void selectShard(e.target.value)} data-testid="des-shard-select">
          {summary.shards.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <SmallTable<DesEntryRow>
        testId="des-entries"
        rows={entries}
        rowKey={(e) => e.uid}
        rowProps={(e) => ({ className: `clickable${preview?.uid === e.uid ? ' selected' : ''}`, onClick: () => void showEntry(e.uid), 'data-testid': 'des-entry-row' })}
        columns={[
          { header: 'uid', cell: (e) => e.uid },
          { header: 'Size', className: 'num', cell: (e) => formatBytes(e.size) },
          { header: 'Codec', cell: (e) => e.codec },
          { header: 'Created', className: 'muted', cell: (e) => e.created_at ?? '' },
          { header: 'Meta', className: 'muted', cell: (e) => (e.meta === null ? '' : JSON.stringify(e.meta)) },
          { header: 'Tombstoned', cell: (e) => (e.tombstoned ? <span className="warn">{e.reason ?? 'yes'}</span> : '') },
        ]}
      />
      {preview && (
        <>
          <Preview preview={preview} />
          <div className="row">
            <input placeholder="/path/to/save" value={path} onChange={(e) => setPath(e.target.value)} style={{ width: 260 }} data-testid="des-export-path" />
            <button disabled={!path.trim()} onClick={() => void exportEntry(preview.uid, path.trim())} data-testid="des-export">
              Export
            </button>
            {exported && <span className="muted small" data-testid="des-exported">{exported}</span>}
          </div>
        </>
      )}
    </div>
  );
}

export function ArchiveView({ table, connectionId }: { table: FoundTable; connectionId?: string }) {
  const { summary, error, loading, load, selectShard } = useArchive();
  const [tab, setTab] = useState<ArchiveTab>('shards');
  useEffect(() => void load(table.location, connectionId), [table.location, connectionId, load]);
  // A finished verify or repack may have changed the shards: list them again.
  useReloadAfterRuns(table.location, () => void load(table.location, connectionId, true));
  const entries = summary?.shards.reduce((n, s) => n + s.entries, 0) ?? 0;
  const tombstoned = summary?.shards.reduce((n, s) => n + s.tombstoned, 0) ?? 0;
  return (
    <div data-testid="archive-view">
      <BucketHead
        prefix="des"
        summary={
          summary &&
          `DES archive: ${formatCount(summary.shards.length)} shards, ${formatCount(entries)} entries, ${formatCount(tombstoned)} tombstoned` +
            (summary.retired.length ? `, ${summary.retired.length} replaced shards in their grace period` : '') +
            (summary.orphans.length ? `, ${summary.orphans.length} orphans of unfinished repacks` : '')
        }
        loading={loading}
        error={error}
        refresh={() => void load(table.location, connectionId, true)}
        refreshTitle="List the archive again (after a repack or tombstone)"
      />
      <TabBar<ArchiveTab> tabs={TABS} tab={tab} setTab={setTab} prefix="archive" />
      {tab === 'shards' && (
        <Shards
          select={(shard) => {
            setTab('entries');
            void selectShard(shard);
          }}
        />
      )}
      {tab === 'entries' && <Entries />}
      {tab === 'maintenance' && <MaintenancePanel table={table} connectionId={connectionId} />}
    </div>
  );
}
