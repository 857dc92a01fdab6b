/**
 * The one IPC channel of the app: `lakebench:call` (method, args) → Outcome. Each call is checked here
 * before it reaches the engine: the sender must be our own renderer page, the method on the allow-list
 * and the arguments valid (zod). Native dialogs are separate channels handled in main.
 */
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent, type OpenDialogOptions } from 'electron';
import { isWorkbenchMethod } from '../core/api/workbench';
import { parseWorkbenchArgs } from '../core/api/workbench-schema';
import { toErrorJson } from '../core/api/workbench-errors';
import type { EngineHost } from './engine-host';
import type { Outcome } from './engine-protocol';

export const CALL_CHANNEL = 'lakebench:call';
export const EVENT_CHANNEL = 'lakebench:event';
export const SAVE_DIALOG_CHANNEL = 'lakebench:pick-save-path';
export const FOLDER_DIALOG_CHANNEL = 'lakebench:pick-folder';
export const FILES_DIALOG_CHANNEL = 'lakebench:pick-files';

export function registerIpc(engine: EngineHost, rendererUrl: string): void {
  /** Only the top frame of our own page may call: not an iframe, not a page navigated elsewhere. */
  const trusted = (event: IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return frame !== null && frame.parent === null && frame.url.split('#')[0] === rendererUrl;
  };
  const refused: Outcome = { ok: false, error: { code: 'ACCESS_DENIED', message: 'IPC from an untrusted frame' } };

  ipcMain.handle(CALL_CHANNEL, async (event, method: unknown, args: unknown): Promise<Outcome> => {
    if (!trusted(event)) return refused;
    try {
      if (typeof method !== 'string' || !isWorkbenchMethod(method)) throw new Error(`no API method "${String(method)}"`);
      return await engine.call(method, parseWorkbenchArgs(method, args));
    } catch (e) {
      return { ok: false, error: toErrorJson(e) };
    }
  });

  ipcMain.handle(SAVE_DIALOG_CHANNEL, async (event, args: unknown) => {
    if (!trusted(event)) return undefined;
    const defaultName = typeof (args as { defaultName?: unknown })?.defaultName === 'string' ? (args as { defaultName: string }).defaultName : 'result';
    const window = BrowserWindow.fromWebContents(event.sender);
    const options = { defaultPath: defaultName.slice(0, 255) };
    const chosen = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
    return chosen.canceled ? undefined : chosen.filePath;
  });

  /** The open dialog's chosen paths (none when cancelled or refused). */
  const pickPaths = async (event: IpcMainInvokeEvent, properties: OpenDialogOptions['properties']): Promise<string[]> => {
    if (!trusted(event)) return [];
    const window = BrowserWindow.fromWebContents(event.sender);
    const chosen = window ? await dialog.showOpenDialog(window, { properties }) : await dialog.showOpenDialog({ properties });
    return chosen.canceled ? [] : chosen.filePaths;
  };
  ipcMain.handle(FOLDER_DIALOG_CHANNEL, async (event) => (await pickPaths(event, ['openDirectory']))[0]);
  ipcMain.handle(FILES_DIALOG_CHANNEL, (event) => pickPaths(event, ['openFile', 'multiSelections']));
}
