/**
 * The engine client the stores call. main.tsx installs the transport's client (Electron's
 * `window.lakebench`, else the HTTP client); tests install an in-process one.
 */
import type { WorkbenchClient } from '../../../core/api/workbench';

let current: WorkbenchClient | undefined;

export function setClient(client: WorkbenchClient): void {
  current = client;
}

export function api(): WorkbenchClient {
  if (!current) throw new Error('the engine client is not set up yet');
  return current;
}

/** A failed call's message for the UI (WorkbenchError keeps the engine's message, naming the object). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs a store action, clearing the store's error first and keeping the failure's message as the new one. */
export function errorGuard(setError: (error: string | undefined) => void): (work: () => Promise<void>) => Promise<void> {
  return async (work) => {
    try {
      setError(undefined);
      await work();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
}
