/**
 * A client of the Iceberg REST catalog protocol (apache/iceberg open-api/rest-catalog-open-api.yaml):
 * GET /v1/config (defaults and overrides; `prefix` is how R2 Data Catalog, Polaris and others scope a
 * warehouse), namespaces and tables (paged by next-page-token), and load-table, asking for vended
 * credentials, which then open that table's storage; and the table commit (requirements and updates).
 *
 * Auth: a bearer token, or OAuth2 client credentials exchanged at /v1/oauth/tokens (or the configured
 * `oauth2-server-uri`) and refreshed when it expires or the server answers 419. 5xx and 429 are retried
 * with backoff (honouring Retry-After); 401, 403 and 404 fail at once with the server's message.
 */
import { LakebenchError } from '../../../errors';
import { parseExactJson, tableMetadataFromJson, type Json } from '../metadata';
import type { CommitTarget } from '../commit';
import { RestCatalogTarget } from '../commit-targets';
import { IcebergTable } from '../table';
import type { CatalogTableId, IcebergCatalog } from './catalog';
import { splitMetadataLocation, type StoreOpener, type VendedStorage } from './table-location';

export interface RestCatalogOptions {
  /** Base URI, e.g. `https://catalog.cloudflarestorage.com/<account>/<bucket>`. */
  uri: string;
  warehouse?: string;
  /** A bearer token (R2 Data Catalog API tokens, Polaris principal tokens …). */
  token?: string;
  /** OAuth2 client credentials `<client_id>:<client_secret>`. */
  credential?: string;
  /** OAuth2 scope for client credentials (default `catalog`). */
  scope?: string;
  /** The OAuth2 token endpoint, when not the catalog's deprecated /v1/oauth/tokens. */
  oauth2ServerUri?: string;
  openStore: StoreOpener;
  /** Attempts for 5xx/429 and network errors (default 4). */
  maxAttempts?: number;
  /** First backoff delay in ms (default 200; doubled per attempt). */
  backoffMs?: number;
}

interface CatalogConfig {
  defaults?: Record<string, string>;
  overrides?: Record<string, string>;
}

interface Token {
  value: string;
  /** ms since the epoch; undefined when the server gave no expiry. */
  expiresAt?: number;
}

const NAMESPACE_SEPARATOR = '\u001f';
const DEFAULT_ATTEMPTS = 4;
/** Refresh a little before the server's expiry, so a request never leaves with a token about to lapse. */
const EXPIRY_MARGIN_MS = 30_000;

export class RestCatalog implements IcebergCatalog {
  private config?: Promise<Record<string, string>>;
  private token?: Token;
  private base: string;

  constructor(private readonly options: RestCatalogOptions) {
    this.base = options.uri.replace(/\/+$/, '');
  }

  /** The merged catalog properties (defaults, then client, then overrides), read once. */
  properties(): Promise<Record<string, string>> {
    this.config ??= (async () => {
      const query = this.options.warehouse ? `?warehouse=${encodeURIComponent(this.options.warehouse)}` : '';
      const config = (await this.request('GET', `/v1/config${query}`, 'the catalog configuration')) as CatalogConfig;
      const merged: Record<string, string> = { ...(config.defaults ?? {}), ...(this.options.warehouse && { warehouse: this.options.warehouse }), ...(config.overrides ?? {}) };
      // A server may point clients at another base URI.
      if (merged.uri) this.base = merged.uri.replace(/\/+$/, '');
      return merged;
    })();
    this.config.catch(() => (this.config = undefined));
    return this.config;
  }

  private async prefixed(path: string): Promise<string> {
    const prefix = (await this.properties()).prefix;
    return prefix ? `/v1/${prefix.split('/').map(encodeURIComponent).join('/')}${path}` : `/v1${path}`;
  }

  async listNamespaces(parent: string[] = []): Promise<string[][]> {
    const query = parent.length > 0 ? `parent=${encodeNamespace(parent)}` : '';
    const pages = await this.paged(await this.prefixed('/namespaces'), query, 'namespaces', 'the namespaces');
    return pages.flatMap((page) => (page.namespaces as string[][] | undefined) ?? []);
  }

  async listTables(namespace: string[]): Promise<CatalogTableId[]> {
    const pages = await this.paged(await this.prefixed(`/namespaces/${encodeNamespace(namespace)}/tables`), '', 'identifiers', `namespace ${namespace.join('.')}`);
    return pages.flatMap((page) => ((page.identifiers as { namespace: string[]; name: string }[] | undefined) ?? []).map((id) => ({ namespace: id.namespace, name: id.name })));
  }

  commitTarget(namespace: string[], name: string): CommitTarget {
    return new RestCatalogTarget(this, namespace, name);
  }

  async loadTable(namespace: string[], name: string): Promise<IcebergTable> {
    return (await this.loadTableState(namespace, name)).table;
  }

  /** The table with its metadata JSON as the catalog answered it and the metadata location it points to: what a commit starts from. */
  async loadTableState(namespace: string[], name: string): Promise<{ table: IcebergTable; raw: { [key: string]: Json }; metadataLocation: string }> {
    const what = `table ${[...namespace, name].join('.')}`;
    const path = await this.tablePath(namespace, name);
    const result = (await this.request('GET', path, what, { headers: { 'X-Iceberg-Access-Delegation': 'vended-credentials' } })) as {
      'metadata-location'?: string;
      metadata?: Json;
      config?: Record<string, string>;
      'storage-credentials'?: { prefix: string; config: Record<string, string> }[];
    };
    const location = result['metadata-location'];
    if (!location || result.metadata === undefined) {
      throw new LakebenchError('CORRUPT', `the catalog's answer for ${what} has no metadata-location or metadata`, { object: this.base + path });
    }
    const metadata = tableMetadataFromJson(result.metadata, location);
    const { tableLocation, metadataKey } = splitMetadataLocation(location);
    const vended = vendedStorage(metadata.location, result.config ?? {}, result['storage-credentials'] ?? []);
    const table = IcebergTable.fromMetadata(this.options.openStore(tableLocation, vended), metadataKey, metadata);
    return { table, raw: result.metadata as { [key: string]: Json }, metadataLocation: location };
  }

  /**
   * POSTs a table commit (requirements and updates, as JSON text) once: true when the catalog applied
   * it, false when it refused it for a failed requirement (409). Anything else leaves the outcome
   * unknown and throws: the caller reads the table back (never a blind retry).
   */
  async commitTable(namespace: string[], name: string, body: string): Promise<boolean> {
    const path = await this.tablePath(namespace, name);
    try {
      await this.request('POST', path, `a commit to table ${[...namespace, name].join('.')}`, { body, attempts: 1 });
      return true;
    } catch (e) {
      if (e instanceof LakebenchError && e.code === 'CONFLICT') return false;
      throw e;
    }
  }

  private async tablePath(namespace: string[], name: string): Promise<string> {
    return this.prefixed(`/namespaces/${encodeNamespace(namespace)}/tables/${encodeURIComponent(name)}`);
  }

  /** Every page of a listing, following next-page-token. */
  private async paged(path: string, query: string, field: string, what: string): Promise<Record<string, unknown>[]> {
    const pages: Record<string, unknown>[] = [];
    let token: string | undefined;
    do {
      const params = [query, token ? `pageToken=${encodeURIComponent(token)}` : ''].filter(Boolean).join('&');
      const page = (await this.request('GET', params ? `${path}?${params}` : path, what)) as Record<string, unknown>;
      if (!Array.isArray(page[field])) throw new LakebenchError('CORRUPT', `the catalog's answer for ${what} has no ${field} list`, { object: this.base + path });
      pages.push(page);
      token = typeof page['next-page-token'] === 'string' && page['next-page-token'] !== '' ? page['next-page-token'] : undefined;
    } while (token);
    return pages;
  }

  /** One API call with auth, retries and the protocol's error answers turned into LakebenchErrors. */
  private async request(method: string, path: string, what: string, send: { headers?: Record<string, string>; body?: string; attempts?: number } = {}): Promise<unknown> {
    const attempts = send.attempts ?? this.options.maxAttempts ?? DEFAULT_ATTEMPTS;
    const headers = { ...send.headers, ...(send.body !== undefined && { 'Content-Type': 'application/json' }) };
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const url = this.base + path;
      // Outside the try: a refused token is an answer (ACCESS_DENIED), not an unreachable catalog to retry.
      const auth = await this.authHeader();
      let response: Response;
      try {
        response = await fetch(url, { method, headers: { Accept: 'application/json', ...auth, ...headers }, ...(send.body !== undefined && { body: send.body }) });
      } catch (e) {
        if (attempt < attempts) {
          await this.backoff(attempt);
          continue;
        }
        throw new LakebenchError('BAD_ENDPOINT', `the catalog cannot be reached: ${(e as Error).message}`, { object: url, cause: e });
      }
      const text = await response.text();
      if (response.ok) return parseExactJson(text);
      const message = errorMessage(text) ?? response.statusText;
      if (response.status === 419 && !refreshed && this.options.credential) {
        // Authentication timeout: a new token, then the same request once more.
        this.token = undefined;
        refreshed = true;
        continue;
      }
      if ((response.status >= 500 || response.status === 429) && attempt < attempts) {
        await this.backoff(attempt, response.headers.get('retry-after'));
        continue;
      }
      throw httpError(response.status, message, what, url);
    }
  }

  private async backoff(attempt: number, retryAfter?: string | null): Promise<void> {
    const seconds = retryAfter ? Number(retryAfter) : NaN;
    const ms = Number.isFinite(seconds) ? Math.min(seconds * 1000, 30_000) : (this.options.backoffMs ?? 200) * 2 ** (attempt - 1);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  private async authHeader(): Promise<Record<string, string>> {
    if (this.options.token) return { Authorization: `Bearer ${this.options.token}` };
    if (!this.options.credential) return {};
    if (!this.token || (this.token.expiresAt !== undefined && Date.now() > this.token.expiresAt - EXPIRY_MARGIN_MS)) {
      this.token = await this.fetchToken();
    }
    return { Authorization: `Bearer ${this.token.value}` };
  }

  /** OAuth2 client credentials grant (RFC 6749 §4.4) at the token endpoint. */
  private async fetchToken(): Promise<Token> {
    const [clientId, ...secret] = this.options.credential!.split(':');
    const endpoint = this.options.oauth2ServerUri ?? `${this.base}/v1/oauth/tokens`;
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId!, client_secret: secret.join(':'), scope: this.options.scope ?? 'catalog' });
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    } catch (e) {
      throw new LakebenchError('BAD_ENDPOINT', `the catalog's token endpoint cannot be reached: ${(e as Error).message}`, { object: endpoint, cause: e });
    }
    const text = await response.text();
    if (!response.ok) {
      const parsed = safeJson(text) as { error?: string; error_description?: string } | undefined;
      throw new LakebenchError('ACCESS_DENIED', `the catalog refused the client credentials (${response.status} ${parsed?.error ?? ''}${parsed?.error_description ? `: ${parsed.error_description}` : ''})`, {
        object: endpoint,
      });
    }
    const token = safeJson(text) as { access_token?: string; expires_in?: number } | undefined;
    if (!token?.access_token) throw new LakebenchError('CORRUPT', 'the token endpoint answered without an access_token', { object: endpoint });
    return { value: token.access_token, ...(typeof token.expires_in === 'number' && { expiresAt: Date.now() + token.expires_in * 1000 }) };
  }
}

function encodeNamespace(namespace: string[]): string {
  return encodeURIComponent(namespace.join(NAMESPACE_SEPARATOR));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The message of an IcebergErrorResponse `{error: {message, type, code}}`. */
function errorMessage(text: string): string | undefined {
  const parsed = safeJson(text) as { error?: { message?: string; type?: string } } | undefined;
  if (!parsed?.error?.message) return undefined;
  return parsed.error.type ? `${parsed.error.type}: ${parsed.error.message}` : parsed.error.message;
}

function httpError(status: number, message: string, what: string, url: string): LakebenchError {
  switch (status) {
    case 401:
      return new LakebenchError('ACCESS_DENIED', `the catalog did not accept the credentials for ${what} (401 ${message})`, { object: url });
    case 403:
      return new LakebenchError('ACCESS_DENIED', `the catalog forbids reading ${what} (403 ${message})`, { object: url });
    case 404:
      return new LakebenchError('NOT_FOUND', `${what} does not exist in the catalog (404 ${message})`, { object: url });
    case 409:
      return new LakebenchError('CONFLICT', `the catalog refused ${what}: the table changed (409 ${message})`, { object: url });
    case 419:
      return new LakebenchError('ACCESS_DENIED', `the catalog token expired for ${what} (419 ${message}); give a fresh token`, { object: url });
    default:
      return new LakebenchError('IO', `the catalog failed to answer for ${what} (${status} ${message})`, { object: url });
  }
}

/** The storage settings for a table: the storage-credentials entry with the longest matching prefix, over `config`. */
export function vendedStorage(
  tableLocation: string,
  config: Record<string, string>,
  credentials: { prefix: string; config: Record<string, string> }[],
): VendedStorage | undefined {
  const best = credentials.filter((c) => tableLocation.startsWith(c.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
  const merged = { ...config, ...(best?.config ?? {}) };
  if (!merged['s3.access-key-id']) return undefined;
  return {
    accessKeyId: merged['s3.access-key-id'],
    ...(merged['s3.secret-access-key'] && { secretAccessKey: merged['s3.secret-access-key'] }),
    ...(merged['s3.session-token'] && { sessionToken: merged['s3.session-token'] }),
    ...(merged['s3.endpoint'] && { endpoint: merged['s3.endpoint'] }),
    ...((merged['s3.region'] ?? merged['client.region']) && { region: merged['s3.region'] ?? merged['client.region'] }),
  };
}
