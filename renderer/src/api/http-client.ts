/**
 * WorkbenchClient for web mode (`lakebench serve`): each method is `POST /api/<method>` with JSON
 * arguments; events arrive over `EventSource('/api/events')`. Same origin, so the HttpOnly cookie the
 * server set on first load authenticates every call; `token` is only for callers outside a browser page
 * (tests, scripts), sent as `Authorization: Bearer`. Files travel through the server's transfer endpoints:
 * an export as a browser download, an import's files as uploads.
 */
import {
  WORKBENCH_METHODS,
  WorkbenchError,
  type CallOptions,
  type WorkbenchClient,
  type WorkbenchErrorJson,
  type WorkbenchEvent,
  type WorkbenchMethod,
} from '../../../core/api/workbench';
import { ERRORS_IN_BODY_HEADER } from '../../../core/api/workbench-errors';
import { DOWNLOAD_EXPORT_PATH, UPLOAD_PATH } from '../../../core/api/workbench';

export interface HttpClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:4100`; default: the page's own. */
  baseUrl?: string;
  token?: string;
  fetch?: typeof fetch;
  /** EventSource constructor (browsers have one; pass one in Node). */
  EventSource?: typeof EventSource;
}

type Reply = { ok: true; value: unknown } | { ok: false; error: WorkbenchErrorJson };

export function createHttpClient(options: HttpClientOptions = {}): WorkbenchClient {
  const base = options.baseUrl ?? '';
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  // Errors come back in the body (`ok: false`), with 200: the page's console stays for real faults.
  const headers: Record<string, string> = { 'content-type': 'application/json', [ERRORS_IN_BODY_HEADER]: 'yes' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;

  /** Sends a request and reads the server's `{ ok, value | error }` answer; `what` names the call in errors. */
  async function request(what: string, path: string, init: RequestInit): Promise<unknown> {
    // The caller's signal aborts the fetch or the reading of its body: that is its wish, not a fault.
    const cancelled = () => new WorkbenchError({ code: 'CANCELLED', message: `${what} was cancelled` });
    let response: Response;
    try {
      response = await fetchFn(`${base}${path}`, { ...init, credentials: 'same-origin' });
    } catch (e) {
      if (init.signal?.aborted) throw cancelled();
      throw new WorkbenchError({ code: 'ENGINE_UNREACHABLE', message: `the Lakebench server does not answer (${(e as Error).message})` });
    }
    const reply = (await response.json().catch(() => undefined)) as Reply | undefined;
    if (init.signal?.aborted) throw cancelled();
    if (!reply) {
      const reason = response.status === 401 ? 'not signed in: open the URL that `lakebench serve` printed' : response.statusText;
      throw new WorkbenchError({ code: response.status === 401 ? 'UNAUTHORIZED' : 'INTERNAL', message: `${what}: ${reason}` });
    }
    if (!reply.ok) throw new WorkbenchError(reply.error);
    return reply.value ?? undefined;
  }

  const call = (method: WorkbenchMethod, args: unknown, options?: CallOptions) =>
    request(method, `/api/${method}`, { method: 'POST', headers, body: JSON.stringify(args ?? {}), signal: options?.signal });

  const uploadFile = async (file: Blob & { name: string }): Promise<string> => {
    const uploadHeaders = { ...headers, 'content-type': 'application/octet-stream' };
    const { path } = (await request(`upload of ${file.name}`, `${UPLOAD_PATH}?name=${encodeURIComponent(file.name)}`, { method: 'POST', headers: uploadHeaders, body: file })) as { path: string };
    return path;
  };

  /** A link click: the browser streams the answer to disk itself, however large, with its own progress and save prompt. */
  const downloadExport: WorkbenchClient['downloadExport'] = ({ queryId, format, sort }) => {
    const params = new URLSearchParams({ queryId, format, ...(sort && { sort: JSON.stringify(sort) }) });
    const link = document.createElement('a');
    link.href = `${base}${DOWNLOAD_EXPORT_PATH}?${params}`;
    link.download = `result.${format}`;
    document.body.append(link);
    link.click();
    link.remove();
  };

  const listeners = new Set<(event: WorkbenchEvent) => void>();
  let source: EventSource | undefined;
  function onEvent(listener: (event: WorkbenchEvent) => void): () => void {
    listeners.add(listener);
    if (!source) {
      const EventSourceImpl = options.EventSource ?? globalThis.EventSource;
      source = new EventSourceImpl(`${base}/api/events`, { withCredentials: true });
      source.onmessage = (message) => {
        const event = JSON.parse(String(message.data)) as WorkbenchEvent;
        for (const l of listeners) l(event);
      };
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        source?.close();
        source = undefined;
      }
    };
  }

  const methods = Object.fromEntries(WORKBENCH_METHODS.map((m) => [m, (args: unknown, options?: CallOptions) => call(m, args, options)]));
  return { ...methods, onEvent, uploadFile, downloadExport } as WorkbenchClient;
}
