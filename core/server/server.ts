/**
 * `lakebench serve`: the renderer and the WorkbenchApi over HTTP on 127.0.0.1 only.
 *   GET  /…             the built renderer (out/renderer)
 *   POST /api/<method>  JSON arguments → JSON `{ ok: true, value }` or `{ ok: false, error }`
 *   GET  /api/events    Server-Sent Events, one `data:` line per WorkbenchEvent
 *   GET  /api/download/export, POST /api/upload   files to and from the page (transfers.ts)
 * Every request passes auth.ts first. Request logs carry method, path (never the query, which may hold
 * the token) and status.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LakebenchError } from '../errors';
import { isWorkbenchMethod, type CallOptions, type WorkbenchApi, type WorkbenchEvent } from '../api/workbench';
import { parseWorkbenchArgs } from '../api/workbench-schema';
import { ERRORS_IN_BODY_HEADER, httpStatusOf, toErrorJson } from '../api/workbench-errors';
import { checkRequest, newToken, sessionCookie } from './auth';
import { plain, securityHeaders, serveStatic } from './static-files';
import { DOWNLOAD_EXPORT_PATH, UPLOAD_PATH } from './transfer-paths';
import { createTransfers } from './transfers';

export interface ServedWorkbench extends WorkbenchApi {
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
}

export interface ServerOptions {
  workbench: ServedWorkbench;
  /** Folder of the built renderer. */
  rendererDir: string;
  /** 0 = any free port. */
  port?: number;
  /** Request log lines (default: none). */
  log?: (line: string) => void;
  /** Fixed token (tests); default: 32 random bytes. */
  token?: string;
}

export interface RunningServer {
  port: number;
  /** The URL to open, with the token. Print it once; never log it. */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const HEARTBEAT_MS = 25_000;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? newToken();
  const log = options.log ?? (() => undefined);
  let port = 0;
  const streams = new Set<ServerResponse>();
  const transfers = createTransfers(options.workbench);

  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://host').pathname;
    res.on('finish', () => log(`${req.method} ${pathname} ${res.statusCode}`));
    handle(req, res, pathname).catch((e: unknown) => {
      if (!res.headersSent) plain(res, 500, 'internal error');
      else res.destroy();
      log(`${req.method} ${pathname} failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const verdict = checkRequest(req, token, port);
    if (!verdict.ok) return plain(res, verdict.status, verdict.status === 401 ? 'unauthorized' : 'forbidden');
    if (verdict.via === 'query') {
      // Swap the token in the URL for a cookie, and get it out of the address bar and history.
      res.writeHead(302, { location: pathname, 'set-cookie': sessionCookie(token), 'referrer-policy': 'no-referrer' });
      return void res.end();
    }
    if (pathname === '/api/events') {
      if (req.method !== 'GET') return plain(res, 405, 'method not allowed');
      return openEventStream(res);
    }
    if (pathname === DOWNLOAD_EXPORT_PATH) {
      if (req.method !== 'GET') return plain(res, 405, 'method not allowed');
      return download(req, res);
    }
    if (pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return plain(res, 405, 'method not allowed');
      if (pathname === UPLOAD_PATH) return answer(req, res, () => transfers.upload(req, requestUrl(req)));
      return answer(req, res, () => callApi(req, res, pathname.slice('/api/'.length)));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed');
    return serveStatic(options.rendererDir, pathname, res);
  }

  async function callApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<unknown> {
    if (!isWorkbenchMethod(method)) throw new LakebenchError('NOT_FOUND', `no API method "${method}"`);
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      // Also keeps HTML forms (which cannot send JSON) from calling the API.
      throw new LakebenchError('USAGE', 'API calls take Content-Type: application/json');
    }
    const args = parseWorkbenchArgs(method, await readJson(req));
    // A page closed before its answer was sent tells the engine to drop the call (CallOptions).
    const stop = new AbortController();
    res.on('close', () => res.writableEnded || stop.abort());
    const call = options.workbench[method] as (a: unknown, o: CallOptions) => Promise<unknown>;
    return call.call(options.workbench, args, { signal: stop.signal });
  }

  /** Answers `{ ok: true, value }` with what `work` returns, or `{ ok: false, error }`. */
  async function answer(req: IncomingMessage, res: ServerResponse, work: () => Promise<unknown>): Promise<void> {
    let status = 200;
    let body: unknown;
    try {
      body = { ok: true, value: (await work()) ?? null };
    } catch (e) {
      const error = toErrorJson(e);
      // The app's page reads the engine's answer from the body and asks for 200s: a browser logs every
      // 4xx/5xx as a console error, and a cancelled query or a SQL typo is an answer, not a fault.
      status = req.headers[ERRORS_IN_BODY_HEADER] === 'yes' ? 200 : httpStatusOf(error);
      body = { ok: false, error };
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...securityHeaders('application/json; charset=utf-8'), 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** A download's failure before its first byte is a plain-text answer naming the problem. */
  async function download(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await transfers.download(req, res, requestUrl(req));
    } catch (e) {
      if (res.headersSent) throw e;
      const error = toErrorJson(e);
      plain(res, httpStatusOf(error), error.message);
    }
  }

  function openEventStream(res: ServerResponse): void {
    res.writeHead(200, { ...securityHeaders('text/event-stream; charset=utf-8'), 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = options.workbench.onEvent((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    // Comments keep idle proxies and the browser from dropping the stream.
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await transfers.close();
    },
  };
}

function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://host');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new LakebenchError('USAGE', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LakebenchError('USAGE', 'the request body is not valid JSON');
  }
}
