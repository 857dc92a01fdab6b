/**
 * Files between the page and `lakebench serve`, for a browser that cannot see the engine's disk:
 *   GET  /api/download/export?queryId=…&format=csv|parquet|json[&sort=<JSON>]
 *        exports the result (as a job, seen in the jobs drawer) to a file of the server's own, streams
 *        it back as an attachment, then removes it;
 *   POST /api/upload?name=<file name>  (Content-Type: application/octet-stream)
 *        saves the body under the server's upload folder and answers `{ path }`, for importFiles.
 * The page names a file name, never a path: every file lives in one temp folder of this server, removed
 * when it stops.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LakebenchError } from '../errors';
import type { ExportResultArgs, JobInfo, WorkbenchApi, WorkbenchEvent } from '../api/workbench';
import { parseWorkbenchArgs } from '../api/workbench-schema';
import { securityHeaders } from './static-files';


const CONTENT_TYPES: Record<ExportResultArgs['format'], string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/x-ndjson; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

interface TransferWorkbench extends Pick<WorkbenchApi, 'exportResult' | 'jobCancel'> {
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
}

export interface Transfers {
  download(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** The uploaded file's path on this machine. */
  upload(req: IncomingMessage, url: URL): Promise<{ path: string }>;
  close(): Promise<void>;
}

/** A file name the page may give an upload: one path segment, no folder, nothing hidden or special. */
function uploadName(url: URL): string {
  const name = url.searchParams.get('name') ?? '';
  if (name === '' || name.length > 255 || /[/\\\0]/.test(name) || name.startsWith('.')) {
    throw new LakebenchError('USAGE', `upload: "${name}" is not a plain file name (no folders, not hidden)`, { object: name });
  }
  return name;
}

/** Starts a job and waits for its end (listening first: a quick job can end before `start` answers). */
async function runToEnd(workbench: TransferWorkbench, start: () => Promise<JobInfo>): Promise<JobInfo> {
  const ended = new Map<string, JobInfo>();
  let settle: ((job: JobInfo) => void) | undefined;
  let wanted: string | undefined;
  const stop = workbench.onEvent((event) => {
    if (event.type !== 'job-state' || event.job.state === 'running') return;
    ended.set(event.job.jobId, event.job);
    if (event.job.jobId === wanted) settle?.(event.job);
  });
  try {
    const job = await start();
    if (job.state !== 'running') return job;
    wanted = job.jobId;
    return ended.get(job.jobId) ?? (await new Promise<JobInfo>((resolve) => (settle = resolve)));
  } finally {
    stop();
  }
}

export function createTransfers(workbench: TransferWorkbench): Transfers {
  let folder: Promise<string> | undefined;
  const ownFolder = () => (folder ??= mkdtemp(join(tmpdir(), 'lakebench-transfers-')));

  return {
    async download(req, res, url) {
      const format = url.searchParams.get('format') ?? '';
      const sort = url.searchParams.get('sort');
      let sortValue: unknown;
      try {
        sortValue = sort === null ? undefined : JSON.parse(sort);
      } catch {
        throw new LakebenchError('USAGE', `download: sort is not JSON: ${sort}`, { object: 'sort' });
      }
      const path = join(await ownFolder(), `${randomUUID()}.${format}`);
      const args = parseWorkbenchArgs('exportResult', { queryId: url.searchParams.get('queryId') ?? undefined, format, path, sort: sortValue }) as ExportResultArgs;
      let job: JobInfo | undefined;
      // A page that goes away (download cancelled) cancels the export.
      const abandon = () => void (job && job.state === 'running' && workbench.jobCancel({ jobId: job.jobId }).catch(() => undefined));
      req.once('close', abandon);
      try {
        job = await runToEnd(workbench, async () => (job = await workbench.exportResult(args)));
        if (job.state !== 'done') throw new LakebenchError(job.state === 'cancelled' ? 'CANCELLED' : 'IO', `export of ${args.queryId}: ${job.error ?? job.state}`, { object: args.queryId });
        const { size } = await stat(path);
        res.writeHead(200, {
          ...securityHeaders(CONTENT_TYPES[args.format]),
          'content-disposition': `attachment; filename="result.${args.format}"`,
          'content-length': size,
          'cache-control': 'no-store',
        });
        await pipeline(createReadStream(path), res);
      } finally {
        req.off('close', abandon);
        await rm(path, { force: true });
      }
    },

    async upload(req, url) {
      const name = uploadName(url);
      if (!/^application\/octet-stream\b/.test(req.headers['content-type'] ?? '')) {
        // Also keeps HTML forms (which cannot send this type) from writing files.
        throw new LakebenchError('USAGE', 'uploads take Content-Type: application/octet-stream', { object: name });
      }
      const into = join(await ownFolder(), 'uploads', randomUUID());
      await mkdir(into, { recursive: true });
      const path = join(into, name);
      await pipeline(req, createWriteStream(path, { flags: 'wx' }));
      return { path };
    },

    async close() {
      if (folder) await rm(await folder, { recursive: true, force: true });
    },
  };
}
