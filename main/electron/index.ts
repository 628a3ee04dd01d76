/**
 * The Electron shell: thin glue over main/core. Windows are locked down (design §2, Electron's
 * security checklist) and every IPC message is checked for the frame that sent it.
 */
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appRoot } from '../core/app-paths';
import { CHANNELS, type EventName, type Events } from '../core/ipc/channels';
import { startAppCore, type AppCore } from '../core/shell';
import { HOST_TARGET } from '../core/log/logger';
import { haloforgeHome } from '../core/paths';

const root = appRoot();
const rendererIndex = join(root, 'out', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
const windows = new Set<BrowserWindow>();

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
  void win.loadFile(rendererIndex);
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
