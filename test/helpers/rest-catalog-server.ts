/**
 * A loopback Iceberg REST catalog for tests, following apache/iceberg's REST OpenAPI spec: GET
 * /v1/config (overrides.prefix for a warehouse, as R2 Data Catalog does), POST /v1/oauth/tokens (client
 * credentials, tokens that expire), paged namespace and table listings, and load-table answering with
 * the table's real metadata file and, when asked by X-Iceberg-Access-Delegation, vended storage
 * credentials. Errors use the spec's IcebergErrorResponse; 401 without a valid token, 419 for an
 * expired one, 403 for forbidden tables, 404 for unknown ones; `failNext` injects 5xx/429 answers.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CatalogTable {
  namespace: string[];
  name: string;
  metadataLocation: string;
  /** The metadata file's text, sent verbatim (64-bit ids intact). */
  metadataText: string;
}

export interface RestCatalogServerOptions {
  tables: CatalogTable[];
  /** Namespaces with no tables. */
  namespaces?: string[][];
  /** Warehouse name the server knows, and the prefix it hands out for it. */
  warehouse?: { name: string; prefix: string };
  /** A static bearer token accepted as is. */
  token?: string;
  /** OAuth2 client credentials accepted at /v1/oauth/tokens, and the lifetime of issued tokens (s). */
  client?: { id: string; secret: string; tokenTtlSeconds?: number };
  /** Sent as load-table `config` when vended credentials are asked for. */
  vendedConfig?: Record<string, string>;
  /** Tables (`ns.name`) the principal may not read. */
  forbidden?: string[];
  /** Page size of listings (default 100). */
  pageSize?: number;
}

export interface RestCatalogServer {
  uri: string;
  /** Every request: method, path and query, and the Authorization header. */
  requests: { method: string; url: string; auth?: string; delegation?: string }[];
  /** The next `count` API calls answer `status`. */
  failNext(status: number, count: number): void;
  /** Marks every issued token expired (the next call with one gets 419). */
  expireTokens(): void;
  stop(): Promise<void>;
}

const SEPARATOR = '\u001f';

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function error(res: http.ServerResponse, status: number, type: string, message: string): void {
  send(res, status, JSON.stringify({ error: { message, type, code: status } }));
}

async function body(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startRestCatalogServer(options: RestCatalogServerOptions): Promise<RestCatalogServer> {
  const requests: RestCatalogServer['requests'] = [];
  const tokens = new Map<string, number>(); // token → expiry (ms)
  let failures: { status: number; count: number } | undefined;
  const pageSize = options.pageSize ?? 100;
  const key = (ns: string[]) => ns.join(SEPARATOR);
  const namespaces = new Map<string, string[]>();
  for (const ns of [...options.tables.map((t) => t.namespace), ...(options.namespaces ?? [])]) {
    for (let depth = 1; depth <= ns.length; depth++) namespaces.set(key(ns.slice(0, depth)), ns.slice(0, depth));
  }

  const authorized = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer (.+)$/.exec(header)?.[1];
    if (bearer !== undefined && bearer === options.token) return true;
    const expiry = bearer === undefined ? undefined : tokens.get(bearer);
    if (expiry === undefined) {
      error(res, 401, 'NotAuthorizedException', 'Not authorized to make this request');
      return false;
    }
    if (Date.now() >= expiry) {
      error(res, 419, 'AuthenticationTimeoutException', 'Credentials have timed out');
      return false;
    }
    return true;
  };

  /** A page of `items` from `pageToken` on (an offset, opaque to clients). */
  const page = <T>(items: T[], url: URL): { items: T[]; next?: string } => {
    const start = Number(url.searchParams.get('pageToken') ?? '0');
    const slice = items.slice(start, start + pageSize);
    return { items: slice, ...(start + pageSize < items.length && { next: String(start + pageSize) }) };
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://catalog');
    requests.push({
      method: req.method ?? '',
      url: url.pathname + url.search,
      ...(req.headers.authorization && { auth: req.headers.authorization }),
      ...(typeof req.headers['x-iceberg-access-delegation'] === 'string' && { delegation: req.headers['x-iceberg-access-delegation'] }),
    });
    if (req.method === 'POST' && url.pathname === '/v1/oauth/tokens') {
      const form = new URLSearchParams(await body(req));
      const client = options.client;
      if (form.get('grant_type') !== 'client_credentials' || !client || form.get('client_id') !== client.id || form.get('client_secret') !== client.secret) {
        send(res, 401, JSON.stringify({ error: 'invalid_client', error_description: 'unknown client or wrong secret' }));
        return;
      }
      const token = randomUUID();
      const ttl = client.tokenTtlSeconds ?? 3600;
      tokens.set(token, Date.now() + ttl * 1000);
      send(res, 200, JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: ttl, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' }));
      return;
    }
    if (failures && failures.count > 0) {
      failures.count--;
      const headers: Record<string, string> = failures.status === 429 ? { 'retry-after': '0' } : {};
      send(res, failures.status, JSON.stringify({ error: { message: 'injected failure', type: 'ServiceFailureException', code: failures.status } }), headers);
      return;
    }
    if (!authorized(req, res)) return;
    if (req.method !== 'GET') {
      error(res, 405, 'UnsupportedOperationException', 'this test catalog is read-only');
      return;
    }
    if (url.pathname === '/v1/config') {
      const warehouse = url.searchParams.get('warehouse');
      if (options.warehouse && warehouse !== options.warehouse.name) {
        error(res, 400, 'BadRequestException', `unknown warehouse ${warehouse}`);
        return;
      }
      send(res, 200, JSON.stringify({ defaults: {}, overrides: options.warehouse ? { prefix: options.warehouse.prefix } : {} }));
      return;
    }
    const prefix = options.warehouse ? `/v1/${options.warehouse.prefix}` : '/v1';
    if (!url.pathname.startsWith(`${prefix}/namespaces`)) {
      error(res, 404, 'NotFoundException', `no route ${url.pathname}`);
      return;
    }
    const parts = url.pathname.slice(prefix.length + 1).split('/').map(decodeURIComponent);
    // parts: ['namespaces'] | ['namespaces', ns] | ['namespaces', ns, 'tables'] | ['namespaces', ns, 'tables', name]
    if (parts.length === 1) {
      const parentText = url.searchParams.get('parent');
      const parent = parentText ? parentText.split(SEPARATOR) : [];
      if (parent.length && !namespaces.has(key(parent))) {
        error(res, 404, 'NoSuchNamespaceException', `Namespace does not exist: ${parent.join('.')}`);
        return;
      }
      const children = [...namespaces.values()].filter((ns) => ns.length === parent.length + 1 && parent.every((p, i) => ns[i] === p));
      const { items, next } = page(children, url);
      send(res, 200, JSON.stringify({ namespaces: items, ...(next && { 'next-page-token': next }) }));
      return;
    }
    const namespace = parts[1]!.split(SEPARATOR);
    if (!namespaces.has(key(namespace))) {
      error(res, 404, 'NoSuchNamespaceException', `Namespace does not exist: ${namespace.join('.')}`);
      return;
    }
    const inNamespace = options.tables.filter((t) => key(t.namespace) === key(namespace));
    if (parts.length === 3 && parts[2] === 'tables') {
      const { items, next } = page(inNamespace.map((t) => ({ namespace: t.namespace, name: t.name })), url);
      send(res, 200, JSON.stringify({ identifiers: items, ...(next && { 'next-page-token': next }) }));
      return;
    }
    if (parts.length === 4 && parts[2] === 'tables') {
      const table = inNamespace.find((t) => t.name === parts[3]);
      const id = [...namespace, parts[3]].join('.');
      if (!table) {
        error(res, 404, 'NoSuchTableException', `Table does not exist: ${id}`);
        return;
      }
      if (options.forbidden?.includes(id)) {
        error(res, 403, 'ForbiddenException', `Principal may not read ${id}`);
        return;
      }
      const vended = req.headers['x-iceberg-access-delegation'] === 'vended-credentials' ? (options.vendedConfig ?? {}) : {};
      send(res, 200, `{"metadata-location": ${JSON.stringify(table.metadataLocation)}, "metadata": ${table.metadataText}, "config": ${JSON.stringify(vended)}}`);
      return;
    }
    error(res, 404, 'NotFoundException', `no route ${url.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}`,
    requests,
    failNext(status, count) {
      failures = { status, count };
    },
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
