/**
 * WorkbenchClient for web mode (`lakebench serve`): each method is `POST /api/<method>` with JSON
 * arguments; events arrive over `EventSource('/api/events')`. Same origin, so the HttpOnly cookie the
 * server set on first load authenticates every call; `token` is only for callers outside a browser page
 * (tests, scripts), sent as `Authorization: Bearer`.
 */
import {
  WORKBENCH_METHODS,
  WorkbenchError,
  type WorkbenchClient,
  type WorkbenchErrorJson,
  type WorkbenchEvent,
  type WorkbenchMethod,
} from '../../../core/api/workbench';
import { ERRORS_IN_BODY_HEADER } from '../../../core/api/workbench-errors';

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

  async function call(method: WorkbenchMethod, args: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetchFn(`${base}/api/${method}`, { method: 'POST', headers, body: JSON.stringify(args ?? {}), credentials: 'same-origin' });
    } catch (e) {
      throw new WorkbenchError({ code: 'ENGINE_UNREACHABLE', message: `the Lakebench server does not answer (${(e as Error).message})` });
    }
    const reply = (await response.json().catch(() => undefined)) as Reply | undefined;
    if (!reply) {
      const reason = response.status === 401 ? 'not signed in: open the URL that `lakebench serve` printed' : response.statusText;
      throw new WorkbenchError({ code: response.status === 401 ? 'UNAUTHORIZED' : 'INTERNAL', message: `${method}: ${reason}` });
    }
    if (!reply.ok) throw new WorkbenchError(reply.error);
    return reply.value ?? undefined;
  }

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

  const methods = Object.fromEntries(WORKBENCH_METHODS.map((m) => [m, (args: unknown) => call(m, args)]));
  return { ...methods, onEvent } as WorkbenchClient;
}
