/**
 * The runtime every plugin frame loads before the plugin's bundle: what SDK-built bundles read from
 * their page (contract §3), over one narrow channel to the panel page that holds the frame. It runs
 * inside the frame's own origin and CSP, so it is as untrusted as the bundle: main checks every call.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot, hydrateRoot } from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import { FRAME_PROTOCOL, type FromFrame, type HostSnapshot, type ToFrame } from './protocol';

type Fields = Record<string, unknown>;
type Component = React.ComponentType<Fields>;
interface Definition {
  panel?: Component;
  component?: Component;
  slots?: Record<string, Component>;
  onMount?: () => void;
}

const me = document.currentScript as HTMLScriptElement;
const pluginId = me.dataset.pluginId ?? '';
const view = me.dataset.view ?? 'panel';
const panelOrigin = me.dataset.panelOrigin ?? '';

const g = window as unknown as Fields;
// React's jsx-runtime, inlined by the SDK into some bundles, reads process.env.NODE_ENV.
g.process ??= { env: { NODE_ENV: 'production' } };
g.React = React;
g.ReactDOM = { ...ReactDOM, createRoot, hydrateRoot };
g.jsxRuntime = jsxRuntime;

function post(message: FromFrame): void {
  window.parent.postMessage(message, panelOrigin);
}

// ─── Calls to main, through the panel page ───────────────────────────────────────────────────
let nextCall = 1;
const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();

function hostCall(command: string, args: unknown): Promise<unknown> {
  const id = nextCall++;
  return new Promise((resolve, reject) => {
    calls.set(id, { resolve, reject });
    try {
      post({ hf: FRAME_PROTOCOL, type: 'call', id, command, args });
    } catch (e) {
      calls.delete(id);
      // Tauri rejects with the error text; bundles read `err instanceof Error ? err.message : String(err)`.
      reject(`cannot send ${command}: its arguments cannot be copied (${(e as Error).message})`);
    }
  });
}

// ─── Tauri's internals, as @tauri-apps/api v2 uses them ──────────────────────────────────────
let nextCallback = 1;
const callbacks = new Map<number, (value: unknown) => void>();
let nextListener = 1;
const listeners = new Map<number, { event: string; callback: number }>();

function transformCallback(callback: (value: unknown) => void, once = false): number {
  const id = nextCallback++;
  callbacks.set(id, (value) => {
    if (once) callbacks.delete(id);
    callback(value);
  });
  return id;
}

function deliver(event: string, payload: unknown): void {
  for (const [id, l] of listeners) if (l.event === event) callbacks.get(l.callback)?.({ event, id, payload });
}

// Events are local: the panel page sends this frame the ones it may hear (theme, its own plugin's).
function invoke(command: string, args: unknown): Promise<unknown> {
  const a = (typeof args === 'object' && args !== null ? args : {}) as Fields;
  if (command === 'plugin:event|listen') {
    if (typeof a.event !== 'string' || typeof a.handler !== 'number') return Promise.reject('plugin:event|listen needs {event, handler}');
    const id = nextListener++;
    listeners.set(id, { event: a.event, callback: a.handler });
    return Promise.resolve(id);
  }
  if (command === 'plugin:event|unlisten') {
    listeners.delete(Number(a.eventId));
    return Promise.resolve(null);
  }
  return hostCall(command, args);
}

g.__TAURI_INTERNALS__ = {
  invoke,
  transformCallback,
  unregisterCallback: (id: number) => callbacks.delete(id),
  // No file of the machine is served to a frame: a local image path shows nothing.
  convertFileSrc: () => '',
  metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: `plugin-${pluginId}` } },
};
g.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: (_event: string, id: number) => listeners.delete(id) };

// ─── What the app shows and its theme (`__HF_HOST`, theme variables) ──────────────────────────
let snapshot = { activeModule: 'devkit', activeSettingsTab: null as string | null, pendingFileIntent: null as unknown, pendingMarkdownOpenPath: null as string | null };

function applyHost(host: HostSnapshot): void {
  const root = document.documentElement;
  for (const [name, value] of Object.entries(host.colors)) if (/^--[a-z0-9-]+$/.test(name)) root.style.setProperty(name, value);
  const changed = root.dataset.theme !== host.theme;
  root.dataset.theme = host.theme;
  root.classList.toggle('dark', host.theme === 'dark');
  root.style.colorScheme = host.theme;
  snapshot = { ...snapshot, activeModule: host.activeModule };
  if (changed) deliver('theme:changed', { theme: host.theme, colors: host.colors });
}

g.__HF_HOST = {
  app: {
    getSnapshot: () => snapshot,
    setActiveModule: (module: string) => post({ hf: FRAME_PROTOCOL, type: 'navigate', module: String(module) }),
    openSettingsTab: (tab: string) => {
      snapshot = { ...snapshot, activeSettingsTab: String(tab) };
      post({ hf: FRAME_PROTOCOL, type: 'navigate', module: 'settings' });
    },
    setPendingFileIntent: (intent: unknown) => void (snapshot = { ...snapshot, pendingFileIntent: intent }),
    clearPendingFileIntent: () => void (snapshot = { ...snapshot, pendingFileIntent: null }),
    setPendingMarkdownOpenPath: (path: string | null) => void (snapshot = { ...snapshot, pendingMarkdownOpenPath: path }),
    clearPendingMarkdownOpenPath: () => void (snapshot = { ...snapshot, pendingMarkdownOpenPath: null }),
  },
  // This host has no AI chat: no models, as the SDK's defaults say when the bridge is missing.
  aichat: { fetchModelConfigs: async () => [], getSnapshot: () => ({ modelConfigs: [], selectedModelId: null }), setSelectedModelId: () => undefined },
};

window.addEventListener('message', (e: MessageEvent) => {
  if (e.source !== window.parent || e.origin !== panelOrigin) return;
  const m = e.data as ToFrame;
  if (typeof m !== 'object' || m === null || m.hf !== FRAME_PROTOCOL) return;
  if (m.type === 'reply') {
    const c = calls.get(m.id);
    calls.delete(m.id);
    if (m.ok) c?.resolve(m.value);
    else c?.reject(m.error);
  } else if (m.type === 'event') {
    deliver(m.event, m.payload);
  } else if (m.type === 'host') {
    applyHost(m.snapshot);
  }
});

// ─── The registry bundles register into, and what this frame renders ─────────────────────────
const registered = new Map<string, Definition>();

function notice(text: string): void {
  const p = document.createElement('p');
  p.className = 'hf-frame-notice';
  p.setAttribute('role', 'alert');
  p.textContent = text;
  document.body.append(p);
}

class Boundary extends React.Component<{ children: React.ReactNode }, { error: string | null }> {
  override state = { error: null as string | null };
  static getDerivedStateFromError(e: unknown) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  override componentDidCatch(e: unknown) {
    post({ hf: FRAME_PROTOCOL, type: 'error', message: `the plugin's component failed: ${e instanceof Error ? e.message : String(e)}` });
  }
  override render() {
    return this.state.error === null ? this.props.children : React.createElement('p', { className: 'hf-frame-notice', role: 'alert' }, `This part of the plugin failed: ${this.state.error}`);
  }
}

function render(def: Definition): void {
  const slot = view.startsWith('slot:') ? view.slice(5) : undefined;
  const component = slot ? def.slots?.[slot] : (def.panel ?? def.component);
  const root = document.getElementById('root');
  if (!root) return;
  if (!component) {
    notice(slot ? `This plugin registered nothing for the ${slot} slot.` : 'This plugin registered no panel.');
    return;
  }
  createRoot(root).render(React.createElement(Boundary, null, React.createElement(component, { pluginId, slot: slot ?? null })));
  try {
    def.onMount?.();
  } catch (e) {
    post({ hf: FRAME_PROTOCOL, type: 'error', message: `onMount failed: ${e instanceof Error ? e.message : String(e)}` });
  }
}

g.__hf_plugin_registry = {
  register(id: string, def: Definition) {
    // A frame shows one plugin: its bundle registers under its own id, nothing else renders here.
    if (id !== pluginId) {
      post({ hf: FRAME_PROTOCOL, type: 'error', message: `the bundle registered as ${String(id)}, not as ${pluginId}; ignored` });
      return;
    }
    registered.set(id, def);
    render(def);
  },
  get: (id: string) => registered.get(id),
  getAll: () => new Map(registered),
};

window.addEventListener('error', (e) => post({ hf: FRAME_PROTOCOL, type: 'error', message: e.message }));
window.addEventListener('DOMContentLoaded', () => {
  if (registered.size === 0) setTimeout(() => registered.size === 0 && notice('The plugin\'s frontend did not register itself (registerPlugin was never called).'), 0);
});
post({ hf: FRAME_PROTOCOL, type: 'ready' });
