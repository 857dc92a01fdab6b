/**
 * A DES shard archive: its shards with their deletion ratios, an entry browser (preview as text, image or
 * hex, and export to a file), and the Maintenance panel's verify (the corruption report names shard and
 * uid) and repack with progress.
 */
import { useEffect, useState } from 'react';
import type { DesEntryPreview, FoundTable } from '../../../core/api/workbench';
import { formatBytes, formatCount, formatDate } from '../logic/format';
import { useArchive } from '../stores/archive';
import { MaintenancePanel } from './MaintenancePanel';

type ArchiveTab = 'shards' | 'entries' | 'maintenance';
const TABS: ArchiveTab[] = ['shards', 'entries', 'maintenance'];

function Shards({ select }: { select(shard: string): void }) {
  const summary = useArchive((s) => s.summary);
  if (!summary) return null;
  return (
    <table className="small-table" data-testid="des-shards">
      <thead>
        <tr>
          <th>Shard</th>
          <th>Entries</th>
          <th>Tombstoned</th>
          <th>Deletion ratio</th>
          <th>Size</th>
          <th>Sidecar</th>
          <th>Modified</th>
        </tr>
      </thead>
      <tbody>
        {summary.shards.map((s) => (
          <tr key={s.name} className="clickable" onClick={() => select(s.name)} data-testid="des-shard-row">
            <td>{s.name}</td>
            <td className="num">{formatCount(s.entries)}</td>
            <td className="num">{formatCount(s.tombstoned)}</td>
            <td>
              <span className="ratio-bar" title={`${(s.deletionRatio * 100).toFixed(1)}% tombstoned`}>
                <span style={{ width: `${Math.round(s.deletionRatio * 100)}%` }} className={s.deletionRatio >= 0.2 ? 'over' : ''} />
              </span>{' '}
              <span data-testid="des-ratio">{(s.deletionRatio * 100).toFixed(0)}%</span>
            </td>
            <td className="num">{formatBytes(s.size)}</td>
            <td>{s.hasSidecar ? 'yes' : <span className="warn">missing</span>}</td>
            <td className="muted">{formatDate(s.lastModified)}</td>
          </tr>
        ))}
      </tbody>
    </table>
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
      <table className="small-table" data-testid="des-entries">
        <thead>
          <tr>
            <th>uid</th>
            <th>Size</th>
            <th>Codec</th>
            <th>Created</th>
            <th>Meta</th>
            <th>Tombstoned</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.uid} className={`clickable${preview?.uid === e.uid ? ' selected' : ''}`} onClick={() => void showEntry(e.uid)} data-testid="des-entry-row">
              <td>{e.uid}</td>
              <td className="num">{formatBytes(e.size)}</td>
              <td>{e.codec}</td>
              <td className="muted">{e.created_at ?? ''}</td>
              <td className="muted">{e.meta === null ? '' : JSON.stringify(e.meta)}</td>
              <td>{e.tombstoned ? <span className="warn">{e.reason ?? 'yes'}</span> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
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
  const entries = summary?.shards.reduce((n, s) => n + s.entries, 0) ?? 0;
  const tombstoned = summary?.shards.reduce((n, s) => n + s.tombstoned, 0) ?? 0;
  return (
    <div data-testid="archive-view">
      <div className="row">
        <p className="muted" data-testid="des-summary">
          {summary
            ? `DES archive: ${formatCount(summary.shards.length)} shards, ${formatCount(entries)} entries, ${formatCount(tombstoned)} tombstoned` +
              (summary.retired.length ? `, ${summary.retired.length} replaced shards in their grace period` : '') +
              (summary.orphans.length ? `, ${summary.orphans.length} orphans of unfinished repacks` : '')
            : loading
              ? 'Loading…'
              : ''}
        </p>
        <span className="spacer" />
        <button onClick={() => void load(table.location, connectionId, true)} data-testid="des-refresh" title="List the archive again (after a repack or tombstone)">
          Refresh
        </button>
      </div>
      {error && <p className="status-error">{error}</p>}
      <div className="segmented">
        {TABS.map((t) => (
          <button key={t} className={t === tab ? 'on' : ''} onClick={() => setTab(t)} data-testid={`archive-tab-${t}`}>
            {t}
          </button>
        ))}
      </div>
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
