/** Electron's preload exposes `window.lakebench`; in a plain browser (`lakebench serve`) use HTTP. */
import type { WorkbenchClient } from '../../../core/api/workbench';
import { createHttpClient } from './http-client';

declare global {
  interface Window {
    lakebench?: WorkbenchClient;
  }
}

export function pickClient(): WorkbenchClient {
  return window.lakebench ?? createHttpClient();
}
