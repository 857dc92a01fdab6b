/**
 * The built renderer (out/renderer) as static files. A handful of content types is all a Vite build
 * emits, so a small table replaces a MIME library. Paths are resolved inside the root only.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** No remote content: scripts, styles, workers and connections only from this server. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "worker-src 'self' blob:",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Lakebench</title>
<p>The Lakebench UI is not built yet. Run <code>npm run build</code> in the lakebench folder, then reload.</p>`;

/** Serves `pathname` from `root`; unknown paths without an extension get index.html (client-side routes). */
export async function serveStatic(root: string, pathname: string, res: ServerResponse): Promise<void> {
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    return plain(res, 400, 'bad path');
  }
  if (relative.split(/[/\\]/).includes('..')) return plain(res, 404, 'not found');
  let file = join(root, relative || 'index.html');
  if (!file.startsWith(root + sep) && file !== root) return plain(res, 404, 'not found');
  let info = await stat(file).catch(() => undefined);
  if (!info?.isFile() && extname(relative) === '') {
    file = join(root, 'index.html');
    info = await stat(file).catch(() => undefined);
    if (!info) return send(res, 200, CONTENT_TYPES['.html'], NOT_BUILT);
  }
  if (!info?.isFile()) return plain(res, 404, 'not found');
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, { ...securityHeaders(type), 'content-length': info.size, 'cache-control': 'no-cache' });
  createReadStream(file).pipe(res);
}

export function securityHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

export function plain(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', text);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...securityHeaders(type), 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
