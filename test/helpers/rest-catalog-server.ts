/**
 * A loopback Iceberg REST catalog for tests, following apache/iceberg's REST OpenAPI spec: GET
 * /v1/config (overrides.prefix for a warehouse, as R2 Data Catalog does), POST /v1/oauth/tokens (client
 * credentials, tokens that expire), paged namespace and table listings, and load-table answering with
 * the table's real metadata file and, when asked by X-Iceberg-Access-Delegation, vended storage
 * credentials. Errors use the spec's IcebergErrorResponse; 401 without a valid token, 419 for an
 * expired one, 403 for forbidden tables, 404 for unknown ones; `failNext` injects 5xx/429 answers.
 * Table commits (POST to a table) check `assert-table-uuid` and `assert-ref-snapshot-id` (409 when one
 * fails), apply the snapshot updates to the JSON as a catalog server would, and write the next metadata
 * file through `writeMetadata` (only when that option is given; read-only otherwise).
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
  /** Writes a new metadata file (its location and text) for a commit; without it, commits are refused (405). */
  writeMetadata?: (location: string, text: string) => Promise<void>;
  /** Answer commits with this status after applying them (a lost answer: 500/502/504 CommitStateUnknown). */
  loseCommitAnswers?: { status: number; count: number };
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
    if (req.method === 'POST' && options.writeMetadata) {
      await commit(req, res, url);
      return;
    }
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
  const commits = new CommitQueue();
  const commit = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) =>
    commits.run(async () => {
      const prefix = options.warehouse ? `/v1/${options.warehouse.prefix}` : '/v1';
      const [, ns, , name] = url.pathname.slice(prefix.length + 1).split('/').map(decodeURIComponent);
      const table = options.tables.find((t) => key(t.namespace) === ns && t.name === name);
      if (!table) return error(res, 404, 'NoSuchTableException', `Table does not exist: ${ns}.${name}`);
      const request = exactParse(await body(req)) as { requirements?: Requirement[]; updates?: Update[] };
      const metadata = exactParse(table.metadataText) as Record<string, unknown>;
      const failed = (request.requirements ?? []).find((r) => !requirementHolds(metadata, r));
      if (failed) return error(res, 409, 'CommitFailedException', `Requirement failed: ${failed.type}`);
      const next = applyUpdates(metadata, request.updates ?? [], table.metadataLocation);
      const version = Number(/\/(\d+)-[^/]*$/.exec(table.metadataLocation)?.[1] ?? '0') + 1;
      const location = table.metadataLocation.replace(/[^/]*$/, `${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`);
      const text = exactStringify(next);
      await options.writeMetadata!(location, text);
      table.metadataLocation = location;
      table.metadataText = text;
      const lost = options.loseCommitAnswers;
      if (lost && lost.count > 0) {
        lost.count--;
        return error(res, lost.status, 'CommitStateUnknownException', 'the answer was lost');
      }
      send(res, 200, `{"metadata-location": ${JSON.stringify(location)}, "metadata": ${text}}`);
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

/** Commits one at a time, as a catalog's transaction would. */
class CommitQueue {
  private last: Promise<unknown> = Promise.resolve();
  run(work: () => Promise<void>): Promise<void> {
    const next = this.last.then(work, work);
    this.last = next.catch(() => undefined);
    return next;
  }
}

type Requirement = { type: string; uuid?: string; ref?: string; 'snapshot-id'?: bigint | number | null };
type Update = { action: string; snapshot?: Record<string, unknown>; 'ref-name'?: string; 'snapshot-id'?: bigint | number; type?: string; 'snapshot-ids'?: (bigint | number)[] };

/** JSON with integers beyond 2^53 as bigints (snapshot ids), and back as bare integers. */
function exactParse(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown, ctx?: { source?: string }) => (typeof v === 'number' && !Number.isSafeInteger(v) && ctx?.source && /^-?\d+$/.test(ctx.source) ? BigInt(ctx.source) : v));
}
function exactStringify(value: unknown): string {
  const raw = (JSON as unknown as { rawJSON(t: string): unknown }).rawJSON;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? raw(v.toString()) : v));
}
const idText = (v: unknown) => (v === null || v === undefined || String(v) === '-1' ? null : String(v));

function requirementHolds(metadata: Record<string, unknown>, r: Requirement): boolean {
  if (r.type === 'assert-table-uuid') return metadata['table-uuid'] === r.uuid;
  if (r.type === 'assert-ref-snapshot-id') {
    const refs = (metadata.refs ?? {}) as Record<string, { 'snapshot-id': unknown }>;
    return idText(refs[r.ref!]?.['snapshot-id']) === idText(r['snapshot-id']);
  }
  return false;
}

function applyUpdates(metadata: Record<string, unknown>, updates: Update[], previous: string): Record<string, unknown> {
  const now = Date.now();
  let snapshots = [...((metadata.snapshots ?? []) as Record<string, unknown>[])];
  let refs = { ...((metadata.refs ?? {}) as Record<string, Record<string, unknown>>) };
  let snapshotLog = [...((metadata['snapshot-log'] ?? []) as Record<string, unknown>[])];
  const out: Record<string, unknown> = { ...metadata };
  for (const u of updates) {
    if (u.action === 'add-snapshot') {
      snapshots.push(u.snapshot!);
      out['last-sequence-number'] = u.snapshot!['sequence-number'];
    } else if (u.action === 'set-snapshot-ref') {
      refs[u['ref-name']!] = { ...refs[u['ref-name']!], 'snapshot-id': u['snapshot-id'], type: u.type };
      if (u['ref-name'] === 'main') {
        out['current-snapshot-id'] = u['snapshot-id'];
        const added = snapshots.find((s) => idText(s['snapshot-id']) === idText(u['snapshot-id']));
        snapshotLog.push({ 'timestamp-ms': added?.['timestamp-ms'] ?? now, 'snapshot-id': u['snapshot-id'] });
      }
    } else if (u.action === 'remove-snapshots') {
      const gone = new Set(u['snapshot-ids']!.map(idText));
      snapshots = snapshots.filter((s) => !gone.has(idText(s['snapshot-id'])));
      refs = Object.fromEntries(Object.entries(refs).filter(([, ref]) => !gone.has(idText(ref['snapshot-id']))));
      snapshotLog = snapshotLog.filter((e) => !gone.has(idText(e['snapshot-id'])));
    } else throw new Error(`update ${u.action} is not supported by the test catalog`);
  }
  const metadataLog = [...((metadata['metadata-log'] ?? []) as unknown[]), { 'timestamp-ms': metadata['last-updated-ms'], 'metadata-file': previous }];
  return { ...out, snapshots, refs, 'snapshot-log': snapshotLog, 'metadata-log': metadataLog, 'last-updated-ms': now };
}
