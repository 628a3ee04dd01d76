/**
 * The Electron shell: thin glue over main/core. Windows are locked down (design §2, Electron's
 * security checklist) and every IPC message is checked for the frame that sent it.
 */
import { app, BrowserWindow, ipcMain, protocol, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { appRoot, builtArtifacts } from '../core/app-paths';
import { contentType } from '../core/content-types';
import { createFrameServer } from '../core/frontends/frame-server';
import { CHANNELS, type EventName, type Events } from '../core/ipc/channels';
import { startAppCore, type AppCore } from '../core/shell';
import { HOST_TARGET } from '../core/log/logger';
import { haloforgeHome } from '../core/paths';

const root = appRoot();
const rendererDir = resolve(root, 'out', 'renderer');
// The panels are served on a scheme of their own, not file://: a file page's origin is "null", and
// plugin frames (hf-plugin://<label>, one origin per plugin) need a real one to be framed by.
const PANEL_ORIGIN = 'hf-app://panels';
const rendererUrl = `${PANEL_ORIGIN}/index.html`;
const windows = new Set<BrowserWindow>();

protocol.registerSchemesAsPrivileged([
  { scheme: 'hf-app', privileges: { standard: true, secure: true } },
  { scheme: 'hf-plugin', privileges: { standard: true, secure: true } },
]);

/** The panels' files, from the built renderer only. */
async function panelFile(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const file = resolve(rendererDir, `.${decodeURIComponent(url.pathname)}`);
  const type = contentType(file);
  if (url.host !== 'panels' || relative(rendererDir, file).startsWith('..') || !type) return new Response('not found', { status: 404 });
  try {
    return new Response(new Uint8Array(await readFile(file)), { headers: { 'content-type': type, 'x-content-type-options': 'nosniff' } });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

function send<E extends EventName>(event: E, payload: Events[E]): void {
  for (const w of windows) if (!w.isDestroyed()) w.webContents.send(event, payload);
}


/** Only the top frame of one of our windows, showing our own renderer, may talk to main. */
function isHostPanel(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return !!frame && frame === event.sender.mainFrame && frame.url.split('#')[0] === rendererUrl && [...windows].some((w) => w.webContents === event.sender);
}

function lockDown(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e, url) => {
    if (url.split('#')[0] !== rendererUrl) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'HaloForge Host',
    webPreferences: {
      preload: join(root, 'out', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  void win.loadURL(rendererUrl);
}

app.on('web-contents-created', (_e, contents) => lockDown(contents));

let core: AppCore | undefined;

void app.whenReady().then(async () => {
  // Plugin hosts start as they do in the web host: Electron's own binary run as Node
  // (ELECTRON_RUN_AS_NODE=1) inside bubblewrap, not as utilityProcesses, which cannot be sandboxed.
  try {
    core = await startAppCore({ home: haloforgeHome(), what: 'Electron app' }, send);
  } catch (e) {
    process.stderr.write(`haloforge: ${(e as Error).message}\n`);
    app.exit(1);
    return;
  }
  const { host, dispatch } = core;
  const frames = createFrameServer({ lookup: (label) => host.plugins.framed(label), runtimePath: builtArtifacts().frameRuntime, panelOrigins: [PANEL_ORIGIN] });
  protocol.handle('hf-app', panelFile);
  protocol.handle('hf-plugin', async (request) => {
    const url = new URL(request.url);
    const answer = await frames(url.host, url);
    return new Response(typeof answer.body === 'string' ? answer.body : new Uint8Array(answer.body), { status: answer.status, headers: answer.headers });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!isHostPanel(event)) {
        const from = event.senderFrame?.url ?? 'an unknown frame';
        host.logger.log('warn', HOST_TARGET, `refused ${channel} from ${from}`);
        host.audit.appendDecision({ pluginId: '(panel)', method: 'IPC', url: `ipc:${channel}`, decision: 'deny', rule: 'ipc:wrong-sender', reason: `sent by ${from}, not a HaloForge panel` });
        throw new Error(`${channel} refused: the sender is not a HaloForge panel`);
      }
      return dispatch(channel, args);
    });
  }
  createWindow();
  await host.start();
});

app.on('window-all-closed', () => {
  void (core?.stop() ?? Promise.resolve()).then(() => app.quit());
});
