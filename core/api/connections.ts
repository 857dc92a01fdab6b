/**
 * Saved connections: a local folder, AWS S3, Cloudflare R2 or any S3-compatible endpoint, or an Iceberg
 * catalog (SQL in SQLite, or REST). Settings are stored in the catalog in the clear, secrets (access
 * keys, a catalog's token or client credentials) sealed by a SecretBox; `info()` is what leaves the
 * engine, and it never holds a secret. Opening a connection unseals its secrets once into an S3 client
 * or a catalog client kept in memory, so `open()` (the API's StoreOpener) stays synchronous.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { LakebenchError } from '../errors';
import { joinKey } from '../storage/keys';
import { openLocation, parseLocation } from '../storage/location';
import { S3Store } from '../storage/s3';
import { createS3Client, DEFAULT_REGION } from '../storage/s3-client';
import type { ObjectStore } from '../storage/types';
import { openCatalog, type IcebergCatalog } from '../formats/iceberg/catalog/catalog';
import { defaultStoreOpener } from '../formats/iceberg/catalog/table-location';
import type { SecretBox } from './secret-box';
import type { LocationArgs } from './types';
import type { ConnectionInfo, ConnectionInput, ConnectionKind, ConnectionTestResult } from './workbench';
import type { ConnectionRow, WorkbenchStore } from './workbench-store';

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A REST catalog's secret: a bearer token or OAuth2 client credentials. */
interface CatalogSecret {
  token?: string;
  credential?: string;
}

type Secret = Keys | CatalogSecret;

/** A connection ready to use: its settings and, for buckets, a client holding the keys; for catalogs, the catalog. */
interface OpenConnection {
  row: ConnectionRow;
  root: string;
  client?: S3Client;
  catalog?: IcebergCatalog;
}

const CATALOG_KINDS: ReadonlySet<ConnectionKind> = new Set(['iceberg-sql', 'iceberg-rest']);

export class Connections {
  private readonly opened = new Map<string, OpenConnection>();

  constructor(
    private readonly store: WorkbenchStore,
    private readonly box: SecretBox,
  ) {}

  list(): ConnectionInfo[] {
    return this.store.connections().map(info);
  }

  async save(input: ConnectionInput): Promise<ConnectionInfo> {
    const previous = input.id === undefined ? undefined : this.store.connection(input.id);
    if (input.id !== undefined && !previous) throw new LakebenchError('NOT_FOUND', `no connection with id ${input.id}`);
    const secret = secretOf(input);
    const hint = secret && 'accessKeyId' in secret ? secret.accessKeyId.slice(-4) : undefined;
    const row: ConnectionRow = {
      id: previous?.id ?? randomUUID(),
      name: input.name,
      kind: input.kind,
      settings: { ...settingsOf(input), ...(secret ? hint && { accessKeyHint: hint } : previous && { accessKeyHint: previous.settings.accessKeyHint }) },
      // An update without secrets keeps the stored ones, so the UI never needs to have them.
      secret: secret ? await this.box.seal(JSON.stringify(secret)) : previous?.secret,
      createdAt: previous?.createdAt ?? new Date().toISOString(),
    };
    if ((row.kind === 'r2' || row.kind === 's3-compatible') && !row.secret) {
      throw new LakebenchError('USAGE', `a ${row.kind} connection needs an access key id and secret`, { object: rootOf(row) });
    }
    // A catalog's name is what SQL calls it: two catalogs may not share one.
    const clash = CATALOG_KINDS.has(row.kind) && this.store.connections().find((c) => c.id !== row.id && CATALOG_KINDS.has(c.kind) && c.name.toLowerCase() === row.name.toLowerCase());
    if (clash) throw new LakebenchError('USAGE', `a catalog named ${clash.name} is saved already: catalogs are told apart by name in SQL`, { object: row.name });
    this.store.putConnection(row);
    this.forget(row.id);
    return info(row);
  }

  remove(id: string): void {
    this.forget(id);
    if (!this.store.removeConnection(id)) throw new LakebenchError('NOT_FOUND', `no connection with id ${id}`);
  }

  info(id: string): ConnectionInfo {
    return info(this.row(id));
  }

  /** Unseals a saved connection's secrets (once) so that open() or catalog() can use it. */
  async ready(id: string): Promise<void> {
    if (this.opened.has(id)) return;
    const row = this.row(id);
    const secret = row.secret ? (JSON.parse(await this.box.open(row.secret)) as Secret) : undefined;
    this.opened.set(id, connect(row, secret));
  }

  /** The catalog of a catalog connection (after ready()) and the name SQL calls it; undefined for any other. */
  catalog(id: string): { name: string; catalog: IcebergCatalog } | undefined {
    const opened = this.opened.get(id);
    return opened?.catalog && { name: opened.row.name, catalog: opened.catalog };
  }

  /** StoreOpener: a location through its connection (after ready()), or with the standard AWS chain. */
  open(args: LocationArgs): ObjectStore {
    if (args.connectionId === undefined) {
      return openLocation(args.location, { endpoint: args.endpoint, region: args.region, profile: args.profile });
    }
    const opened = this.opened.get(args.connectionId);
    if (!opened) throw new LakebenchError('USAGE', `connection ${args.connectionId} is not open`, { object: args.location });
    if (opened.catalog) {
      throw new LakebenchError('USAGE', `${opened.row.name} is a catalog: it holds tables (${opened.row.name}.<namespace>.<table>), not objects`, { object: args.location });
    }
    return openInside(opened, args.location);
  }

  /**
   * Lists the first entries of a connection's root (a catalog's top namespaces): saved (by id) or not
   * yet saved (input with its secrets, or a saved one's when left out).
   */
  async test(input: ConnectionInput | { id: string }): Promise<ConnectionTestResult> {
    const saved = 'kind' in input ? (input.id === undefined ? undefined : this.store.connection(input.id)) : this.row(input.id);
    const row: ConnectionRow = 'kind' in input ? { id: 'test', name: input.name, kind: input.kind, settings: settingsOf(input), createdAt: '' } : saved!;
    let connection: OpenConnection | undefined;
    let temporary = false;
    try {
      if ('kind' in input) {
        const storedSecret = saved?.secret ? (JSON.parse(await this.box.open(saved.secret)) as Secret) : undefined;
        // Opening a catalog reads it (a SQLite file that is no catalog fails here): part of the test.
        connection = connect(row, secretOf(input) ?? storedSecret);
        temporary = true;
      } else {
        await this.ready(input.id);
        connection = this.opened.get(input.id)!;
      }
      if (connection.catalog) return { ok: true, root: connection.root, entries: (await connection.catalog.listNamespaces()).length };
      const page = await openInside(connection, connection.root).list('', { delimiter: true, maxKeys: 10 });
      return { ok: true, root: connection.root, entries: page.objects.length + page.prefixes.length };
    } catch (e) {
      const code = e instanceof LakebenchError ? e.code : 'IO';
      return { ok: false, root: rootOf(row), code, message: e instanceof Error ? e.message : String(e) };
    } finally {
      if (temporary && connection) release(connection);
    }
  }

  close(): void {
    for (const id of [...this.opened.keys()]) this.forget(id);
  }

  private row(id: string): ConnectionRow {
    const row = this.store.connection(id);
    if (!row) throw new LakebenchError('NOT_FOUND', `no connection with id ${id}`);
    return row;
  }

  private forget(id: string): void {
    const opened = this.opened.get(id);
    if (opened) release(opened);
    this.opened.delete(id);
  }
}

/** Lets go of what an open connection holds: its S3 client, its catalog's SQLite handle. */
function release(connection: OpenConnection): void {
  connection.client?.destroy();
  connection.catalog?.close?.();
}

/** The secret an input carries (access keys; a catalog's token or client credentials), if any. */
function secretOf(input: ConnectionInput): Secret | undefined {
  if (input.kind === 'iceberg-rest') {
    return input.token || input.credential ? { ...(input.token && { token: input.token }), ...(input.credential && { credential: input.credential }) } : undefined;
  }
  if (input.kind === 'local' || input.kind === 'iceberg-sql' || !input.accessKeyId || !input.secretAccessKey) return undefined;
  const sessionToken = input.kind === 's3' ? input.sessionToken : undefined;
  return { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey, ...(sessionToken && { sessionToken }) };
}

/** The non-secret settings of an input, as stored. */
function settingsOf(input: ConnectionInput): Record<string, string | undefined> {
  switch (input.kind) {
    case 'local':
      return { path: path.resolve(input.path) };
    case 's3':
      return { bucket: input.bucket, prefix: joinKey(input.prefix ?? ''), region: input.region, profile: input.profile };
    case 'r2':
      return { accountId: input.accountId, bucket: input.bucket, prefix: joinKey(input.prefix ?? '') };
    case 's3-compatible':
      return { endpoint: input.endpoint, bucket: input.bucket, prefix: joinKey(input.prefix ?? ''), region: input.region };
    case 'iceberg-sql':
      return { uri: path.resolve(input.path), catalogName: input.catalogName };
    case 'iceberg-rest':
      return { uri: input.uri, warehouse: input.warehouse };
  }
}

function rootOf(row: ConnectionRow): string {
  const s = row.settings;
  if (row.kind === 'local') return s.path!;
  if (CATALOG_KINDS.has(row.kind)) return row.name;
  const bucketUrl = row.kind === 'r2' ? `r2://${s.accountId}/${s.bucket}` : `s3://${s.bucket}`;
  return s.prefix ? `${bucketUrl}/${s.prefix}` : bucketUrl;
}

function endpointOf(row: ConnectionRow): string | undefined {
  if (row.kind === 'r2') return `https://${row.settings.accountId}.r2.cloudflarestorage.com`;
  return row.kind === 's3-compatible' ? row.settings.endpoint : undefined;
}

function regionOf(row: ConnectionRow): string {
  return row.kind === 'r2' ? 'auto' : (row.settings.region ?? DEFAULT_REGION);
}

function connect(row: ConnectionRow, secret: Secret | undefined): OpenConnection {
  const root = rootOf(row);
  if (row.kind === 'local') return { row, root };
  if (CATALOG_KINDS.has(row.kind)) return { row, root, catalog: catalogOf(row, secret as CatalogSecret | undefined) };
  const client = createS3Client({ endpoint: endpointOf(row), region: regionOf(row), credentials: secret as Keys | undefined, profile: row.settings.profile });
  return { row, root, client };
}

/** A catalog connection's catalog: its tables' storage is reached with the standard AWS chain, or what the catalog vends. */
function catalogOf(row: ConnectionRow, secret: CatalogSecret | undefined): IcebergCatalog {
  const { uri, warehouse, catalogName } = row.settings;
  if (row.kind === 'iceberg-sql') return openCatalog(catalogName ? `${uri!}?catalog=${encodeURIComponent(catalogName)}` : uri!, defaultStoreOpener());
  return openCatalog(uri!, defaultStoreOpener(), { ...secret, ...(warehouse && { warehouse }) });
}

/** A store at `location`, which must lie inside the connection's root (OUTSIDE_LOCATION otherwise). */
function openInside(connection: OpenConnection, location: string): ObjectStore {
  const outside = () =>
    new LakebenchError('OUTSIDE_LOCATION', `not inside the connection "${connection.row.name}" (${connection.root})`, { object: location });
  const { row } = connection;
  if (row.kind === 'local') {
    const target = path.resolve(location);
    const relative = path.relative(row.settings.path!, target);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw outside();
    return openLocation(target);
  }
  const parsed = parseLocation(location);
  const rootPrefix = row.settings.prefix ?? '';
  const sameBucket =
    parsed.scheme === (row.kind === 'r2' ? 'r2' : 's3') && parsed.bucket === row.settings.bucket && parsed.account === row.settings.accountId;
  const insidePrefix = rootPrefix === '' || parsed.prefix === rootPrefix || parsed.prefix.startsWith(`${rootPrefix}/`);
  if (!sameBucket || !insidePrefix) throw outside();
  return new S3Store({
    client: connection.client!,
    bucket: parsed.bucket!,
    prefix: parsed.prefix,
    urlScheme: parsed.scheme === 'r2' ? 'r2' : 's3',
    account: parsed.account,
    endpoint: endpointOf(row),
  });
}

function info(row: ConnectionRow): ConnectionInfo {
  const { path: _path, accessKeyHint, ...settings } = row.settings;
  const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined && v !== ''));
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    root: rootOf(row),
    ...(endpointOf(row) !== undefined && { endpoint: endpointOf(row) }),
    ...defined,
    hasSecret: row.secret !== undefined,
    ...(accessKeyHint && { accessKeyHint }),
    createdAt: row.createdAt,
  };
}
