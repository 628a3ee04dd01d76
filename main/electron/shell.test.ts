import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppCore } from '../core/shell';
import { unwrapExit } from '../core/plugins/host-launcher';
import { RENDERER_URL, createElectronShell, isHostPanel, lockDown, panelFile, windowOptions, type ContentsLike, type ElectronLike, type InvokeEventLike, type WindowLike } from './shell';

/** A webContents that records what was set on it. */
function contents(): ContentsLike & { listeners: Map<string, (e: { preventDefault(): void }, url?: string) => void>; openHandler?: () => { action: 'deny' }; sent: Array<[string, unknown]> } {
  const c = {
    listeners: new Map<string, (e: { preventDefault(): void }, url?: string) => void>(),
    openHandler: undefined as undefined | (() => { action: 'deny' }),
    sent: [] as Array<[string, unknown]>,
    mainFrame: { url: RENDERER_URL },
    setWindowOpenHandler(h: () => { action: 'deny' }) {
      c.openHandler = h;
    },
    on(event: string, listener: (e: { preventDefault(): void }, url?: string) => void) {
      c.listeners.set(event, listener);
    },
    send(channel: string, payload: unknown) {
      c.sent.push([channel, payload]);
    },
  };
  return c as never;
}

function windowOf(c: ContentsLike): WindowLike {
  return { webContents: c, isDestroyed: () => false, on: () => undefined, loadURL: async () => undefined };
}

const event = (c: ContentsLike, frame: { url: string } | null): InvokeEventLike => ({ sender: c, senderFrame: frame });

describe("the Electron shell's rules", () => {
  it('makes windows isolated, sandboxed, without Node, with web security', () => {
    expect(windowOptions('/app/out/preload/index.cjs').webPreferences).toEqual({ preload: '/app/out/preload/index.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
  });

  it('answers only the top frame of its own window showing its own panels', () => {
    const c = contents();
    const ours = [windowOf(c)];
    expect(isHostPanel(event(c, c.mainFrame as { url: string }), ours)).toBe(true);
    expect(isHostPanel(event(c, { url: RENDERER_URL }), ours)).toBe(false); // a subframe, even at the same URL
    const elsewhere = contents();
    (elsewhere.mainFrame as { url: string }).url = 'https://evil.example/';
    expect(isHostPanel(event(elsewhere, elsewhere.mainFrame as { url: string }), [windowOf(elsewhere)])).toBe(false);
    const stranger = contents();
    expect(isHostPanel(event(stranger, stranger.mainFrame as { url: string }), ours)).toBe(false); // not one of our windows
    expect(isHostPanel(event(c, null), ours)).toBe(false);
  });

  it('refuses new windows, navigation away from the panels, and webviews', () => {
    const c = contents();
    lockDown(c);
    expect(c.openHandler?.()).toEqual({ action: 'deny' });
    const navigate = (url: string) => {
      let prevented = false;
      c.listeners.get('will-navigate')?.({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate(`${RENDERER_URL}#token=x`)).toBe(false);
    let webview = false;
    c.listeners.get('will-attach-webview')?.({ preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
  });
});

describe("the panels' protocol", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the built renderer by web type, and nothing outside it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hf-renderer-'));
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'secret.txt'), 'no');
    const get = (url: string) => panelFile(join(dir, 'out'), new Request(url));
    const page = await get('hf-app://panels/index.html');
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect((await get('hf-app://panels/../secret.txt')).status).toBe(404);
    expect((await get('hf-app://panels/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('hf-app://elsewhere/index.html')).status).toBe(404);
  });
});

describe('the shell, started with a fake Electron', () => {
  function fakeElectron() {
    const calls: string[] = [];
    const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
    let permission: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    const windowContents = contents();
    const electron: ElectronLike = {
      app: { on: (e: string) => void calls.push(`app.on ${e}`), whenReady: async () => void calls.push('ready'), exit: (code) => void calls.push(`exit ${code}`), quit: () => void calls.push('quit') },
      createWindow: (options) => {
        calls.push(`window sandbox=${options.webPreferences.sandbox}`);
        return windowOf(windowContents);
      },
      ipcMain: { handle: (channel, listener) => void handlers.set(channel, listener) },
      protocol: { registerSchemesAsPrivileged: (s) => void calls.push(`schemes ${s.map((x) => x.scheme).join(',')}`), handle: (scheme) => void calls.push(`protocol ${scheme}`) },
      defaultSession: () => ({ setPermissionRequestHandler: (h) => void (permission = h), setPermissionCheckHandler: () => undefined }),
    };
    return { electron, calls, handlers, windowContents, permission: () => permission };
  }

  function fakeCore(audited: string[]): AppCore {
    return {
      host: { plugins: { framed: () => undefined }, logger: { log: () => undefined }, audit: { refuse: (e: { url: string }) => void audited.push(e.url) }, start: async () => undefined },
      dispatch: async (channel: unknown, args: unknown) => ({ channel, args }),
      stop: async () => undefined,
    } as unknown as AppCore;
  }

  it('registers its schemes before Electron is ready, and serves panels only to its own window', async () => {
    const f = fakeElectron();
    const audited: string[] = [];
    const shell = createElectronShell(f.electron, { rendererDir: '/r', preload: '/p.cjs', frameRuntime: '/f.js', startCore: async () => fakeCore(audited), report: () => undefined });
    expect(f.calls[0]).toBe('schemes hf-app,hf-plugin');
    await shell.start();
    expect(f.calls).toEqual(['schemes hf-app,hf-plugin', 'app.on web-contents-created', 'app.on window-all-closed', 'ready', 'protocol hf-app', 'protocol hf-plugin', 'window sandbox=true']);
    const ping = f.handlers.get('hf:host:ping');
    await expect(Promise.resolve(ping?.(event(f.windowContents, f.windowContents.mainFrame as { url: string }), 1))).resolves.toEqual({ channel: 'hf:host:ping', args: [1] });
    const stranger = contents();
    expect(() => ping?.(event(stranger, { url: 'https://evil.example/' }), 1)).toThrow('hf:host:ping refused: the sender is not a HaloForge panel');
    expect(audited).toEqual(['ipc:hf:host:ping']);
    let granted: boolean | undefined;
    f.permission()?.(undefined, 'camera', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('says why it cannot start, and exits non-zero', async () => {
    const f = fakeElectron();
    const said: string[] = [];
    const shell = createElectronShell(f.electron, { rendererDir: '/r', preload: '/p.cjs', frameRuntime: '/f.js', startCore: async () => Promise.reject(new Error('the data folder is in use')), report: (t) => void said.push(t) });
    await shell.start();
    expect(said).toEqual(['haloforge: the data folder is in use\n']);
    expect(f.calls.at(-1)).toBe('exit 1');
  });
});

describe("a plugin host's exit, as the panels read it", () => {
  it('reports a crash inside the sandbox by its signal, whatever runs the plugin host', () => {
    expect(unwrapExit(139, null)).toEqual({ code: null, signal: 'SIGSEGV' });
    expect(unwrapExit(134, null)).toEqual({ code: null, signal: 'SIGABRT' });
    expect(unwrapExit(1, null)).toEqual({ code: 1, signal: null });
    expect(unwrapExit(null, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
