/**
 * Where a table folder's current metadata is (table spec, "File System Tables" and catalog naming):
 * `metadata/version-hint.text` naming N for `vN.metadata.json`; without a usable hint the newest
 * `vN.metadata.json` or `NNNNN-<uuid>.metadata.json`. Gzip-compressed variants (`.gz.metadata.json`,
 * `.metadata.json.gz`) count too. Works on one listing of `metadata/`, so it is cheap on S3.
 */
import { LakebenchError } from '../../errors';
import type { ObjectInfo, ObjectStore } from '../../storage/types';

export const METADATA_DIR = 'metadata/';
const HINT = `${METADATA_DIR}version-hint.text`;
/** `v12.metadata.json`, `00012-<uuid>.metadata.json`, and their `.gz` forms; group 1 or 2 is the version. */
const METADATA_FILE = /^(?:v(\d+)|(\d+)-[0-9a-f-]+)(?:\.gz)?\.metadata\.json(?:\.gz)?$/i;

export interface MetadataFile {
  key: string;
  version: number;
  lastModified: Date;
  size: number;
}

/** The metadata files directly in `metadata/`, oldest version first (ties by modification time). */
export async function listMetadataFiles(store: ObjectStore): Promise<MetadataFile[]> {
  const files: MetadataFile[] = [];
  let token: string | undefined;
  do {
    const page = await store.list(METADATA_DIR, { delimiter: true, token });
    for (const object of page.objects) {
      const file = metadataFileOf(object);
      if (file) files.push(file);
    }
    token = page.nextToken;
  } while (token);
  return files.sort((a, b) => a.version - b.version || a.lastModified.getTime() - b.lastModified.getTime());
}

/** True for the name of a table metadata file (`v3.metadata.json`, `00003-<uuid>.metadata.json`, gzip forms). */
export function isMetadataFileName(name: string): boolean {
  return METADATA_FILE.test(name);
}

function metadataFileOf(object: ObjectInfo): MetadataFile | undefined {
  const version = metadataVersionOf(object.key);
  if (version === undefined) return undefined;
  return { key: object.key, version, lastModified: object.lastModified, size: object.size };
}

/**
 * The key of the current metadata file. The hint wins when it names a file that exists (a writer may
 * have left newer uncommitted files behind it), and is then found without listing `metadata/`, which
 * also holds every manifest and can be large; otherwise the highest version. NOT_A_TABLE when
 * `metadata/` holds no metadata file.
 */
export async function currentMetadataKey(store: ObjectStore): Promise<string> {
  const hinted = await readHint(store);
  const atHint = hinted === undefined ? undefined : await versionKey(store, hinted);
  if (hinted !== undefined && atHint !== undefined) {
    // The commit is the creation of the next version's file; the hint is rewritten after it and may lag
    // (a crash between the two, or a slower committer's hint): the versions after it count too.
    let key = atHint;
    for (let version = hinted + 1; ; version++) {
      const next = await versionKey(store, version);
      if (next === undefined) return key;
      key = next;
    }
  }
  const files = await listMetadataFiles(store);
  if (files.length === 0) {
    throw new LakebenchError('NOT_A_TABLE', `${store.url} is not an Iceberg table: metadata/ holds no *.metadata.json file`, {
      object: store.url,
    });
  }
  return files[files.length - 1]!.key;
}

/** The key of `v<version>.metadata.json` (or a gzip form) when it exists. */
export async function versionKey(store: ObjectStore, version: number): Promise<string | undefined> {
  const names = [`v${version}.metadata.json`, `v${version}.gz.metadata.json`, `v${version}.metadata.json.gz`];
  const found = await Promise.all(names.map((name) => store.head(METADATA_DIR + name)));
  const index = found.findIndex((info) => info !== undefined);
  return index >= 0 ? METADATA_DIR + names[index]! : undefined;
}

/** The version number a metadata key names (`metadata/v3.metadata.json` → 3, `00003-<uuid>…` → 3). */
export function metadataVersionOf(key: string): number | undefined {
  const match = METADATA_FILE.exec(key.slice(key.lastIndexOf('/') + 1));
  return match ? Number(match[1] ?? match[2]) : undefined;
}

/** True for file-system names (`vN.metadata.json`); catalogs write `NNNNN-<uuid>.metadata.json`. */
export function isVersionFileName(key: string): boolean {
  return /^v\d+/.test(key.slice(key.lastIndexOf('/') + 1));
}

export const VERSION_HINT = HINT;

async function readHint(store: ObjectStore): Promise<number | undefined> {
  try {
    const text = new TextDecoder().decode(await store.get(HINT)).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch (e) {
    if (e instanceof LakebenchError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
}
