/**
 * The bridge: `window.lakebench` is a WorkbenchClient whose methods go over one IPC channel. Only the
 * allow-listed method names exist on it; ipcRenderer itself is never exposed to the page.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { WORKBENCH_METHODS, type WorkbenchApi, type WorkbenchClient, type WorkbenchEvent } from '../core/api/workbench';
import type { Outcome } from './engine-protocol';

// Channel names repeated here (not imported from ipc.ts): the sandboxed preload must not pull in main's modules.
const CALL_CHANNEL = 'lakebench:call';
const EVENT_CHANNEL = 'lakebench:event';

async function call(method: string, args: unknown): Promise<unknown> {
  const outcome = (await ipcRenderer.invoke(CALL_CHANNEL, method, args ?? {})) as Outcome;
  // contextBridge keeps only the message of an Error it passes to the page, so failures cross as plain
  // objects with WorkbenchError's fields (name, code, message, object): read `.code`, not instanceof.
  if (!outcome.ok) throw { name: 'WorkbenchError', ...outcome.error };
  return outcome.value ?? undefined;
}

const listeners = new Set<(event: WorkbenchEvent) => void>();
ipcRenderer.on(EVENT_CHANNEL, (_event, payload: WorkbenchEvent) => listeners.forEach((l) => l(payload)));

// WORKBENCH_METHODS is checked (workbench.ts) to name every WorkbenchApi method, so the built object is one.
const apiMethods = Object.fromEntries(WORKBENCH_METHODS.map((m) => [m, (args: unknown) => call(m, args)])) as unknown as WorkbenchApi;

const client: WorkbenchClient = {
  ...apiMethods,
  onEvent(listener) {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
  pickSavePath: (args) => ipcRenderer.invoke('lakebench:pick-save-path', args) as Promise<string | undefined>,
  pickFolder: () => ipcRenderer.invoke('lakebench:pick-folder') as Promise<string | undefined>,
  pickFiles: () => ipcRenderer.invoke('lakebench:pick-files') as Promise<string[]>,
  pathOfFile: (file) => webUtils.getPathForFile(file as File),
};

contextBridge.exposeInMainWorld('lakebench', client);
