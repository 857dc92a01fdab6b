/**
 * Adding a connection: local folder, AWS S3, Cloudflare R2 or an S3-compatible endpoint, or an Iceberg
 * catalog (a SQL catalog's SQLite file, or a REST catalog with a token or client credentials); test,
 * then save.
 */
import { useState } from 'react';
import type { ConnectionInput, ConnectionKind, ConnectionTestResult } from '../../../core/api/workbench';
import { api, errorMessage } from '../api/client';
import { useWorkspace } from '../stores/workspace';
import { useEscape } from './use-escape';

type Fields = Record<string, string>;

const KIND_LABELS: Record<ConnectionKind, string> = {
  local: 'Local folder',
  s3: 'AWS S3',
  r2: 'Cloudflare R2',
  's3-compatible': 'S3-compatible endpoint',
  'iceberg-sql': 'Iceberg SQL catalog (SQLite)',
  'iceberg-rest': 'Iceberg REST catalog',
};

/** What a kind's name means beyond a label: a catalog's name is what SQL calls it. */
const NAME_HINTS: Partial<Record<ConnectionKind, string>> = {
  'iceberg-sql': 'Tables are queried as <name>.<namespace>.<table>: letters, digits and _.',
  'iceberg-rest': 'Tables are queried as <name>.<namespace>.<table>: letters, digits and _.',
};

/** The form fields each kind asks for: [field, label, secret?]. */
const KIND_FIELDS: Record<ConnectionKind, Array<[string, string, boolean?]>> = {
  local: [['path', 'Folder path']],
  s3: [
    ['bucket', 'Bucket'],
    ['prefix', 'Prefix (optional)'],
    ['region', 'Region (optional)'],
    ['profile', 'AWS profile (optional)'],
    ['accessKeyId', 'Access key id (optional)'],
    ['secretAccessKey', 'Secret access key (optional)', true],
  ],
  r2: [
    ['accountId', 'Account id'],
    ['bucket', 'Bucket'],
    ['prefix', 'Prefix (optional)'],
    ['accessKeyId', 'Access key id'],
    ['secretAccessKey', 'Secret access key', true],
  ],
  's3-compatible': [
    ['endpoint', 'Endpoint URL'],
    ['bucket', 'Bucket'],
    ['prefix', 'Prefix (optional)'],
    ['region', 'Region (optional)'],
    ['accessKeyId', 'Access key id'],
    ['secretAccessKey', 'Secret access key', true],
  ],
  'iceberg-sql': [
    ['path', 'SQLite file'],
    ['catalogName', 'Catalog name in the file (optional)'],
  ],
  'iceberg-rest': [
    ['uri', 'Catalog URI'],
    ['warehouse', 'Warehouse (optional; implied for R2 Data Catalog)'],
    ['token', 'Token (optional)', true],
    ['credential', 'Client credentials id:secret (optional)', true],
  ],
};

/** The form's fields as the API's input; empty optional fields are left out. */
function toInput(kind: ConnectionKind, name: string, fields: Fields): ConnectionInput {
  const filled = Object.fromEntries(
    KIND_FIELDS[kind].map(([field]) => [field, fields[field]?.trim()]).filter(([, v]) => v),
  );
  return { kind, name, ...filled } as ConnectionInput;
}

/** The labels of the fields `kind` needs that are empty: the form names them instead of sending a call that must fail. */
function missingFields(kind: ConnectionKind, fields: Fields): string[] {
  return KIND_FIELDS[kind].filter(([field, label]) => !label.includes('(optional') && !fields[field]?.trim()).map(([, label]) => label);
}

export function ConnectionDialog({ onClose }: { onClose(): void }) {
  const [kind, setKind] = useState<ConnectionKind>('s3-compatible');
  const [name, setName] = useState('');
  const [fields, setFields] = useState<Fields>({});
  const [test, setTest] = useState<ConnectionTestResult>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const { saveConnection, testConnection, open } = useWorkspace();
  useEscape(onClose);

  const run = async (action: () => Promise<void>) => {
    const missing = missingFields(kind, fields);
    if (missing.length > 0) return setError(`Fill in: ${missing.join(', ')}.`);
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const input = () => toInput(kind, name.trim() || KIND_LABELS[kind], fields);
  const pickFolder = api().pickFolder;

  return (
    <div className="overlay" data-testid="connection-dialog">
      <form
        className="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const saved = await saveConnection(input());
            await open(saved.root, saved.id);
            onClose();
          });
        }}
      >
        <h3>Add a connection</h3>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as ConnectionKind)} data-testid="connection-kind">
            {Object.entries(KIND_LABELS).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={KIND_LABELS[kind]} data-testid="connection-name" />
          {NAME_HINTS[kind] && <span className="muted small">{NAME_HINTS[kind]}</span>}
        </label>
        {KIND_FIELDS[kind].map(([field, label, secret]) => (
          <label key={field}>
            {label}
            <span className="row">
              <input
                type={secret ? 'password' : 'text'}
                autoComplete="off"
                value={fields[field] ?? ''}
                onChange={(e) => setFields({ ...fields, [field]: e.target.value })}
                data-testid={`connection-${field}`}
              />
              {field === 'path' && kind === 'local' && pickFolder && (
                <button type="button" onClick={() => void pickFolder({}).then((path) => path && setFields({ ...fields, path }))}>
                  Choose…
                </button>
              )}
            </span>
          </label>
        ))}
        {test && (
          <p className={test.ok ? 'ok' : 'status-error'} data-testid="connection-test-result">
            {test.ok ? `Connected to ${test.root}: ${test.entries ?? 0} entries on the first page.` : `${test.code}: ${test.message}`}
          </p>
        )}
        {error && (
          <p className="status-error" data-testid="connection-error">
            {error}
          </p>
        )}
        <div className="row">
          <button type="button" disabled={busy} onClick={() => void run(async () => setTest(await testConnection(input())))} data-testid="connection-test">
            Test
          </button>
          <span className="spacer" />
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy} data-testid="connection-save">
            Save and open
          </button>
        </div>
        <p className="muted small">Secrets are encrypted at rest by the engine and never shown again.</p>
      </form>
    </div>
  );
}
