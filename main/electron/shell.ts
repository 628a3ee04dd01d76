/**
 * The Electron shell as a factory: the Electron API comes in as an argument, so every rule here
 * (which sender may talk to main, how windows are made, where they may navigate, what the custom
 * protocols serve) is tested with small fakes. `index.ts` only calls it with the real thing.
 */
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { contentType } from '../core/content-types';
import { RawJson } from '../core/json-bytes';
import { createFrameServer, type FramedPlugin } from '../core/frontends/frame-server';
import { CHANNELS, type EventName, type Events } from '../core/ipc/channels';
import { HOST_TARGET } from '../core/log/logger';
import type { AppCore } from '../core/shell';

/** The panels' own origin: a scheme of their own, since a file:// page has the origin "null", which plugin frames could not name. */
export const PANEL_ORIGIN = 'hf-app://panels';
export const RENDERER_URL = `${PANEL_ORIGIN}/index.html`;

/** The few parts of a webContents the shell uses. */
export interface ContentsLike {
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
  on(event: 'will-navigate', listener: (e: { preventDefault(): void }, url: string) => void): void;
  on(event: 'will-attach-webview', listener: (e: { preventDefault(): void }) => void): void;
  send(channel: string, payload: unknown): void;
  mainFrame: unknown;
}

export interface WindowLike {
  webContents: ContentsLike;
  isDestroyed(): boolean;
  on(event: 'closed', listener: () => void): void;
  loadURL(url: string): Promise<void>;
}

export interface WindowOptions {
  width: number;
  height: number;
  title: string;
  webPreferences: { preload: string; contextIsolation: true; sandbox: true; nodeIntegration: false; webSecurity: true };
}

export interface InvokeEventLike {
  sender: ContentsLike;
  senderFrame: { url: string } | null;
}

/** What of Electron the shell needs, and nothing else. */
export interface ElectronLike {
  app: {
    on(event: 'web-contents-created', listener: (e: unknown, contents: ContentsLike) => void): void;
    on(event: 'window-all-closed', listener: () => void): void;
    whenReady(): Promise<void>;
    exit(code: number): void;
    quit(): void;
  };
  createWindow(options: WindowOptions): WindowLike;
  ipcMain: { handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void };
  protocol: {
    registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: { standard: boolean; secure: boolean } }>): void;
    handle(scheme: string, handler: (request: Request) => Promise<Response>): void;
  };
  /** The default session, which Electron gives only once it is ready. */
  defaultSession(): { setPermissionRequestHandler(h: (wc: unknown, permission: string, callback: (ok: boolean) => void) => void): void; setPermissionCheckHandler(h: () => boolean): void };
}

export interface ShellDeps {
  /** The folder of the built renderer (index.html and its assets). */
  rendererDir: string;
  preload: string;
  frameRuntime: string;
  startCore: (emit: <E extends EventName>(event: E, payload: Events[E]) => void) => Promise<AppCore>;
  /** Where a failure to start is said (stderr). */
  report: (text: string) => void;
}

/** A window's options: isolated, sandboxed, no Node, web security on (Electron's checklist). */
export function windowOptions(preload: string): WindowOptions {
  return { width: 1280, height: 820, title: 'HaloForge Host', webPreferences: { preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true } };
}

/** Only the top frame of one of our windows, showing our own renderer, may talk to main. */
export function isHostPanel(event: InvokeEventLike, windows: Iterable<WindowLike>): boolean {
  const frame = event.senderFrame;
  return !!frame && frame === event.sender.mainFrame && frame.url.split('#')[0] === RENDERER_URL && [...windows].some((w) => w.webContents === event.sender);
}

/** Every webContents: no new windows, no navigation away from the panels, no webviews. */
export function lockDown(contents: ContentsLike): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e, url) => {
    if (url.split('#')[0] !== RENDERER_URL) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

/** The panels' files, from the built renderer only, by web type. */
export async function panelFile(rendererDir: string, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const root = resolve(rendererDir);
  const file = resolve(root, `.${decodeURIComponent(url.pathname)}`);
  const type = contentType(file);
  if (url.host !== 'panels' || relative(root, file).startsWith('..') || !type) return new Response('not found', { status: 404 });
  try {
    return new Response(new Uint8Array(await readFile(file)), { headers: { 'content-type': type, 'x-content-type-options': 'nosniff' } });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

/** Registers what must be registered before Electron is ready, and returns `start`. */
export function createElectronShell(electron: ElectronLike, deps: ShellDeps) {
  const windows = new Set<WindowLike>();
  let core: AppCore | undefined;

  electron.protocol.registerSchemesAsPrivileged([
    { scheme: 'hf-app', privileges: { standard: true, secure: true } },
    { scheme: 'hf-plugin', privileges: { standard: true, secure: true } },
  ]);
  electron.app.on('web-contents-created', (_e, contents) => lockDown(contents));
  electron.app.on('window-all-closed', () => {
    void (core?.stop() ?? Promise.resolve()).then(() => electron.app.quit());
  });

  function send<E extends EventName>(event: E, payload: Events[E]): void {
    for (const w of windows) if (!w.isDestroyed()) w.webContents.send(event, payload);
  }

  function openWindow(): void {
    const win = electron.createWindow(windowOptions(deps.preload));
    windows.add(win);
    win.on('closed', () => windows.delete(win));
    void win.loadURL(RENDERER_URL);
  }

  async function start(): Promise<void> {
    await electron.app.whenReady();
    try {
      core = await deps.startCore(send);
    } catch (e) {
      deps.report(`haloforge: ${(e as Error).message}\n`);
      electron.app.exit(1);
      return;
    }
    const { host, dispatch } = core;
    const lookup = (label: string): FramedPlugin | undefined => host.plugins.framed(label);
    const frames = createFrameServer({ lookup, runtimePath: deps.frameRuntime, panelOrigins: [PANEL_ORIGIN] });
    electron.protocol.handle('hf-app', (request) => panelFile(deps.rendererDir, request));
    electron.protocol.handle('hf-plugin', async (request) => {
      const url = new URL(request.url);
      const answer = await frames(url.host, url);
      return new Response(typeof answer.body === 'string' ? answer.body : new Uint8Array(answer.body), { status: answer.status, headers: answer.headers });
    });
    const session = electron.defaultSession();
    session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.setPermissionCheckHandler(() => false);
    for (const channel of CHANNELS) {
      electron.ipcMain.handle(channel, (event, ...args: unknown[]) => {
        if (!isHostPanel(event, windows)) {
          const from = event.senderFrame?.url ?? 'an unknown frame';
          host.logger.log('warn', HOST_TARGET, `refused ${channel} from ${from}`);
          host.audit.refuse({ pluginId: '(panel)', method: 'IPC', url: `ipc:${channel}`, rule: 'ipc:wrong-sender', reason: `sent by ${from}, not a HaloForge panel` });
          throw new Error(`${channel} refused: the sender is not a HaloForge panel`);
        }
        // Electron's IPC carries values, not text: a plugin's raw answer is parsed here, as it goes.
        return dispatch(channel, args, 'panel').then((result) => (result instanceof RawJson ? result.value() : result));
      });
    }
    openWindow();
    await host.start();
  }

  return { start, windows };
}

/** Where the built pieces are, from the app's root. */
export function shellPaths(root: string, frameRuntime: string): Pick<ShellDeps, 'rendererDir' | 'preload' | 'frameRuntime'> {
  return { rendererDir: join(root, 'out', 'renderer'), preload: join(root, 'out', 'preload', 'index.cjs'), frameRuntime };
}
