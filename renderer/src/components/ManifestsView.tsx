/**
 * The Files tab of a table that keeps its files in manifests (capability `manifests`): the manifests
 * at the shown version with their counts, and one clicked opens its files — delete files marked, with
 * sequence numbers and specs. Only the manifest list is read to show the first screen; a manifest is
 * read when it is opened.
 */
import { useEffect, useState } from 'react';
import type { FileEntry, FilesResult, ManifestEntry, ManifestsResult } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';
import { formatBytes, formatCount } from '../logic/format';
import { partitionLabel } from '../logic/table-stats';
import { SmallTable, type Column } from './SmallTable';

const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** `+2 · 5 · −1`: added, existing and deleted, where the manifest list records them. */
function counts(added?: number, existing?: number, deleted?: number, format: (n: number) => string = formatCount): string {
  return [added ? `+${format(added)}` : '', existing ? format(existing) : '', deleted ? `−${format(deleted)}` : ''].filter(Boolean).join(' · ') || '0';
}

const MANIFEST_COLUMNS: Column<ManifestEntry>[] = [
  { header: 'Manifest', cell: (m) => nameOf(m.path), className: 'path', title: (m) => m.path },
  { header: 'Holds', cell: (m) => <span className={`badge content-${m.content}`}>{m.content}</span> },
  { header: 'Files', headerTitle: 'added · existing · deleted', cell: (m) => counts(m.addedFiles, m.existingFiles, m.deletedFiles), className: 'nowrap' },
  { header: 'Rows', headerTitle: 'added · existing · deleted', cell: (m) => counts(m.addedRows, m.existingRows, m.deletedRows), className: 'nowrap' },
  { header: 'Spec', cell: (m) => m.specId, className: 'num' },
  { header: 'Seq', headerTitle: 'sequence number', cell: (m) => m.sequenceNumber, className: 'num' },
  { header: 'Added by', cell: (m) => m.addedVersion ?? '', className: 'nowrap muted' },
];

const CONTENT_LABELS: Record<NonNullable<FileEntry['content']>, string> = {
  data: 'data',
  'position-deletes': 'position deletes',
  'equality-deletes': 'equality deletes',
};

const FILE_COLUMNS: Column<FileEntry>[] = [
  { header: 'File', cell: (f) => nameOf(f.path), className: 'path', title: (f) => f.path },
  {
    header: 'Holds',
    cell: (f) => {
      const content = f.content ?? 'data';
      const on = f.equalityFieldIds?.length ? ` on field ${f.equalityFieldIds.join(', ')}` : '';
      return <span className={`badge content-${content === 'data' ? 'data' : 'deletes'}`}>{`${CONTENT_LABELS[content]}${on}`}</span>;
    },
  },
  { header: 'Rows', cell: (f) => formatCount(f.stats?.numRecords), className: 'num' },
  { header: 'Size', cell: (f) => formatBytes(f.size), className: 'num' },
  { header: 'Seq', headerTitle: 'data sequence number', cell: (f) => f.sequenceNumber ?? '', className: 'num' },
  { header: 'Partition', cell: (f) => (Object.keys(f.partitionValues).length ? partitionLabel(f.partitionValues) : ''), className: 'nowrap' },
  { header: 'Deleted rows', headerTitle: 'rows a deletion vector marks deleted', cell: (f) => formatCount(f.deletionVector?.cardinality), className: 'num' },
];

export function ManifestsView(props: { result: ManifestsResult; location: string; connectionId?: string; version?: string }) {
  const { result, location, connectionId, version } = props;
  const [open, setOpen] = useState<string>();
  const [files, setFiles] = useState<{ manifest: string; result?: FilesResult; error?: string }>();
  // Another version lists other manifests: close the one that was open.
  useEffect(() => setOpen(undefined), [location, version]);
  useEffect(() => {
    if (open === undefined) return setFiles(undefined);
    let shown = true;
    setFiles({ manifest: open });
    api()
      .manifestFiles({ location, connectionId, version, manifest: open })
      .then(
        (value) => shown && setFiles({ manifest: open, result: value }),
        (e: unknown) => shown && setFiles({ manifest: open, error: errorMessage(e) }),
      );
    return () => {
      shown = false;
    };
  }, [open, location, connectionId, version]);

  const dataManifests = result.manifests.filter((m) => m.content === 'data').length;
  return (
    <div data-testid="manifests">
      <p className="muted">
        {result.manifests.length} manifests ({dataManifests} of data files, {result.manifests.length - dataManifests} of delete files) · click one for its files
      </p>
      <SmallTable
        columns={MANIFEST_COLUMNS}
        rows={result.manifests}
        rowKey={(m) => m.path}
        rowProps={(m) => ({ className: `clickable${m.path === open ? ' selected' : ''}`, onClick: () => setOpen(m.path === open ? undefined : m.path), 'data-testid': 'manifest' })}
      />
      {files && (
        <div className="manifest-files" data-testid="manifest-files">
          <h4 title={files.manifest}>Files of {nameOf(files.manifest)}</h4>
          {files.error && <p className="status-error">{files.error}</p>}
          {!files.result && !files.error && <p className="muted">Loading…</p>}
          {files.result && (
            <SmallTable
              columns={FILE_COLUMNS}
              rows={files.result.files}
              rowKey={(f, i) => `${f.path}|${i}`}
              rowProps={(f) => ({ className: (f.content ?? 'data') === 'data' ? '' : 'delete-file', 'data-testid': 'manifest-file', 'data-content': f.content ?? 'data' })}
            />
          )}
        </div>
      )}
    </div>
  );
}
