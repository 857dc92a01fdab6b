/**
 * Wraps a client so that a call failing with ENVIRONMENT (the engine cannot start in this runtime: see
 * core/api/engine-start.ts) is reported once to `onUnavailable`, whichever panel made the call.
 */
import { WORKBENCH_METHODS, type CallOptions, type WorkbenchClient } from '../../../core/api/workbench';

export function watchEnvironment(client: WorkbenchClient, onUnavailable: (reason: string) => void): WorkbenchClient {
  const watched: WorkbenchClient = { ...client };
  for (const method of WORKBENCH_METHODS) {
    const call = client[method] as (args: unknown, options?: CallOptions) => Promise<unknown>;
    (watched as unknown as Record<string, unknown>)[method] = (args: unknown, options?: CallOptions) =>
      call.call(client, args, options).catch((e: unknown) => {
        // Electron's bridge passes failures as plain objects with WorkbenchError's fields: read `.code`.
        const failure = e as { code?: unknown; message?: unknown } | undefined;
        if (failure?.code === 'ENVIRONMENT') onUnavailable(String(failure.message));
        throw e;
      });
  }
  return watched;
}
