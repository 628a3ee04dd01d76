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
    <p className={failed ? 'outcome failed' : 'outcome'} role={failed ? 'alert' : 'status'} aria-label={label}>
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
    <main className="hello-panel">
      <h1>Hello Panel</h1>
      <p className="muted">A plugin frontend in a frame of its own. Theme colours come from the host: background {theme.colors['--color-background'] || 'not set yet'}.</p>
      <section aria-label="Greet">
        <label htmlFor="name">Your name</label>
        <div className="row">
          <input id="name" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="button" onClick={greet}>
            Greet
          </button>
        </div>
        <Outcome label="Greeting" text={greeting?.text ?? null} failed={greeting?.failed ?? false} />
        <p className="muted" aria-label="Events heard">
          greeted events heard: {heard}
        </p>
      </section>
      <section aria-label="A folder you choose">
        <div className="row">
          <button type="button" onClick={chooseFolder}>
            Choose a folder…
          </button>
        </div>
        <Outcome label="Folder" text={folder?.text ?? null} failed={folder?.failed ?? false} />
      </section>
      <section aria-label="What a plugin frame cannot do">
        <h2>What this frame cannot do</h2>
        <label htmlFor="target">Call a command of another plugin</label>
        <div className="row">
          <input id="target" value={target} onChange={(e) => setTarget(e.target.value)} />
          <button type="button" onClick={callOther}>
            Call list_notes
          </button>
        </div>
        <Outcome label="Cross-plugin call" text={cross?.text ?? null} failed={cross?.failed ?? false} />
        <label htmlFor="url">Fetch a URL</label>
        <div className="row">
          <input id="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://127.0.0.1:8080/" />
          <button type="button" onClick={tryFetch}>
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
    <div className="hello-panel toolbar">
      <button type="button" onClick={greet}>
        Say hello
      </button>
      {count !== null && <span aria-label="Toolbar greetings">{count}</span>}
    </div>
  );
}

export default registerPlugin(PLUGIN_ID, definePlugin({ panel: Panel, slots: { 'devkit.toolbar': ToolbarButton } }));
