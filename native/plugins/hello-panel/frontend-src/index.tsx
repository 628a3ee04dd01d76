// The frontend of the Hello Panel sample, written as HaloForge's plugin authors write theirs: the
// SDK's documented calls only, bundled by Vite as an IIFE with React external. It shows a panel in
// the sidebar (level 0) and a button in the DevKit toolbar (level 2).
import { useCallback, useState } from 'react';
import { createPluginLogger, definePlugin, invokeOtherPlugin, invokePlugin, pickHostDirectory, registerPlugin, useAppEvent, useAppTheme } from '@haloforge/plugin-sdk';
import './index.css';

const PLUGIN_ID = 'dev.haloforge.sample.hello-panel';
const logger = createPluginLogger('panel');

interface Greeting {
  greeting: string;
  count: number;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function Outcome({ label, text, failed }: { label: string; text: string | null; failed: boolean }) {
  if (text === null) return null;
  return (
    <p className={`rounded-lg border px-3 py-2 text-sm ${failed ? 'border-red-300 bg-red-50 text-red-700 dark:border-red-800 dark:bg-red-950 dark:text-red-200' : 'border-border bg-background text-foreground'}`} role={failed ? 'alert' : 'status'} aria-label={label}>
      {text}
    </p>
  );
}

function Panel() {
  const { theme } = useAppTheme();
  const [name, setName] = useState('');
  const [greeting, setGreeting] = useState<{ text: string; failed: boolean } | null>(null);
  const [heard, setHeard] = useState(0);
  const [target, setTarget] = useState('dev.haloforge.sample.notes');
  const [cross, setCross] = useState<{ text: string; failed: boolean } | null>(null);
  const [url, setUrl] = useState('');
  const [fetched, setFetched] = useState<{ text: string; failed: boolean } | null>(null);
  const [folder, setFolder] = useState<{ text: string; failed: boolean } | null>(null);

  useAppEvent(
    `plugin:${PLUGIN_ID}:greeted`,
    useCallback(() => setHeard((n) => n + 1), []),
  );

  async function greet() {
    try {
      const r = await invokePlugin<Greeting>('greet', { name });
      setGreeting({ text: `${r.greeting} (greeting ${r.count})`, failed: false });
      logger.info('greeted', { count: r.count });
    } catch (e) {
      setGreeting({ text: message(e), failed: true });
    }
  }

  async function chooseFolder() {
    try {
      const path = await pickHostDirectory({ title: 'Pick a folder to list' });
      if (path === null) return setFolder({ text: 'no folder chosen', failed: false });
      const { names } = await invokePlugin<{ names: string[] }>('list_folder', { path });
      setFolder({ text: `${path}: ${names.join(', ') || '(empty)'}`, failed: false });
    } catch (e) {
      setFolder({ text: message(e), failed: true });
    }
  }

  async function callOther() {
    try {
      setCross({ text: JSON.stringify(await invokeOtherPlugin(target, 'list_notes')), failed: false });
    } catch (e) {
      setCross({ text: message(e), failed: true });
    }
  }

  async function tryFetch() {
    try {
      const r = await fetch(url);
      setFetched({ text: `fetched: HTTP ${r.status}`, failed: false });
    } catch (e) {
      setFetched({ text: `blocked: ${message(e)}`, failed: true });
    }
  }

  return (
    <main className="hello-panel flex h-full flex-col gap-4 overflow-auto bg-background p-5 text-foreground">
      <header className="flex items-center justify-between border-b border-border pb-3">
        <h1 className="text-lg font-semibold">Hello Panel</h1>
        <span className="rounded-full bg-primary/10 px-2 py-0.5 text-xs font-medium text-primary">sample plugin</span>
      </header>
      <p className="text-sm text-foreground-secondary">A plugin frontend in a frame of its own. Theme colours come from the host: background {theme.colors['--color-background'] || 'not set yet'}.</p>
      <section className="grid gap-2 rounded-xl border border-border bg-surface p-4 shadow-sm" aria-label="Greet">
        <label className="text-sm font-medium" htmlFor="name">Your name</label>
        <div className="flex gap-2">
          <input className="min-w-0 flex-1 rounded-lg border border-border bg-background px-3 py-1.5 text-sm text-foreground placeholder:text-foreground-secondary/60 focus:border-primary" id="name" value={name} onChange={(e) => setName(e.target.value)} />
          <button className="rounded-lg bg-primary px-3 py-1.5 text-sm font-medium text-white transition-colors hover:bg-primary/90" type="button" onClick={greet}>
            Greet
          </button>
        </div>
        <Outcome label="Greeting" text={greeting?.text ?? null} failed={greeting?.failed ?? false} />
        <p className="text-xs text-foreground-secondary" aria-label="Events heard">
          greeted events heard: {heard}
        </p>
      </section>
      <section className="grid gap-2 rounded-xl border border-border bg-surface p-4 shadow-sm" aria-label="A folder you choose">
        <div className="flex gap-2">
          <button className="rounded-lg bg-primary px-3 py-1.5 text-sm font-medium text-white transition-colors hover:bg-primary/90" type="button" onClick={chooseFolder}>
            Choose a folder…
          </button>
        </div>
        <Outcome label="Folder" text={folder?.text ?? null} failed={folder?.failed ?? false} />
      </section>
      <section className="grid gap-2 rounded-xl border border-border bg-surface p-4 shadow-sm" aria-label="What a plugin frame cannot do">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-foreground-secondary">What this frame cannot do</h2>
        <label className="text-sm font-medium" htmlFor="target">Call a command of another plugin</label>
        <div className="flex gap-2">
          <input className="min-w-0 flex-1 rounded-lg border border-border bg-background px-3 py-1.5 text-sm text-foreground placeholder:text-foreground-secondary/60 focus:border-primary" id="target" value={target} onChange={(e) => setTarget(e.target.value)} />
          <button className="rounded-lg bg-primary px-3 py-1.5 text-sm font-medium text-white transition-colors hover:bg-primary/90" type="button" onClick={callOther}>
            Call list_notes
          </button>
        </div>
        <Outcome label="Cross-plugin call" text={cross?.text ?? null} failed={cross?.failed ?? false} />
        <label className="text-sm font-medium" htmlFor="url">Fetch a URL</label>
        <div className="flex gap-2">
          <input className="min-w-0 flex-1 rounded-lg border border-border bg-background px-3 py-1.5 text-sm text-foreground placeholder:text-foreground-secondary/60 focus:border-primary" id="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://127.0.0.1:8080/" />
          <button className="rounded-lg bg-primary px-3 py-1.5 text-sm font-medium text-white transition-colors hover:bg-primary/90" type="button" onClick={tryFetch}>
            Fetch
          </button>
        </div>
        <Outcome label="Fetch" text={fetched?.text ?? null} failed={fetched?.failed ?? false} />
      </section>
    </main>
  );
}

function ToolbarButton() {
  const [count, setCount] = useState<number | null>(null);
  async function greet() {
    try {
      setCount((await invokePlugin<Greeting>('greet', { name: 'toolbar' })).count);
    } catch {
      setCount(null);
    }
  }
  return (
    <div className="hello-panel flex h-full items-center gap-2 px-2">
      <button className="rounded-lg bg-primary px-3 py-1.5 text-sm font-medium text-white transition-colors hover:bg-primary/90" type="button" onClick={greet}>
        Say hello
      </button>
      {count !== null && <span aria-label="Toolbar greetings">{count}</span>}
    </div>
  );
}

export default registerPlugin(PLUGIN_ID, definePlugin({ panel: Panel, slots: { 'devkit.toolbar': ToolbarButton } }));
