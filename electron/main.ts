/**
 * Electron main: one locked-down window over the built renderer, the engine in a utility process
 * (engine-host.ts) and the IPC channel (ipc.ts). No engine logic here.
 *
 * Lockdown: contextIsolation, sandbox, no nodeIntegration, a strict CSP on every response, no
 * navigation away from the app page, no new windows, every permission request denied, no remote
 * content (the CSP and the navigation guard both keep the page on file://).
 */
import { app, BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../core/server/static-files';
import { EngineHost } from './engine-host';
import { EVENT_CHANNEL, registerIpc } from './ipc';

const root = app.getAppPath();
const rendererFile = join(root, 'out', 'renderer', 'index.html');
/** `electron-vite dev` serves the renderer from a loopback dev server; packaged apps never do. */
const devServer = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const rendererUrl = devServer ? new URL('/', devServer).href : pathToFileURL(rendererFile).href;

function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // Only the app's own files load: anything remote (http, https, ws, ftp …) is cancelled.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = /^(file|devtools|blob|data):/.test(details.url) || (devServer !== undefined && details.url.startsWith(new URL(devServer).origin));
    callback({ cancel: !allowed });
  });
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

function guardContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (url !== rendererUrl) event.preventDefault();
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser, never inside the app.
      if (/^https:\/\//.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Lakebench',
    show: false,
    webPreferences: {
      preload: join(root, 'out', 'preload', 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void (devServer ? window.loadURL(rendererUrl) : window.loadFile(rendererFile));
  return window;
}

app.enableSandbox();
void app.whenReady().then(() => {
  lockDownSession();
  guardContents();
  const engine = new EngineHost(join(root, 'out', 'main', 'engine-process.js'), (event) => {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send(EVENT_CHANNEL, event);
  });
  engine.start();
  registerIpc(engine, rendererUrl);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('before-quit', () => engine.stop());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
