/**
 * Serves a folder read-only over loopback HTTP with the Range requests Parquet readers make: how
 * icebird (which fetches metadata, manifests and Parquet by URL) reads tables the tests wrote.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export function serveFolder(root: string): http.Server {
  return http.createServer(async (req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return void res.writeHead(404).end();
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': info.size }).end();
    if (!range) {
      res.writeHead(200, { 'content-length': info.size });
      return void createReadStream(file).pipe(res);
    }
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), info.size - 1) : info.size - 1;
    res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${info.size}` });
    createReadStream(file, { start, end }).pipe(res);
  });
}

/** Starts serving `root`; answers the base URL and a stop function. */
export async function startFolderServer(root: string): Promise<{ url: string; stop(): Promise<void> }> {
  const server = serveFolder(root);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
