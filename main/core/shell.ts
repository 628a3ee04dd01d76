import { startControlServer } from './control/server';
import { DataLock } from './control/data-lock';
import { displayFields } from './display-text';
import { createHost, type Host, type HostOptions } from './host';
import type { EventName, Events } from './ipc/channels';
import { createRouter, type Dispatch } from './ipc/router';

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

/** A running app's core: the host, the router its panels and the command line share, and how to end it. */
export interface AppCore {
  host: Host;
  dispatch: Dispatch;
  /** Shuts the plugins down, closes the control socket and gives the data folder up. */
  stop(): Promise<void>;
}

/**
 * What both shells (Electron and the web host) run (design §9): the app takes the data folder
 * (refusing to start, with who holds it, while a command line command does), owns its state, and
 * serves the command line on its control socket through the same router as its panels. Every
 * change is announced to the panels through `emit`, whoever made it. The shells only carry messages.
 */
export async function startAppCore(opts: Pick<HostOptions, 'home'> & { what: string }, emit: Emit): Promise<AppCore> {
  const lock = DataLock.acquire(opts.home, { kind: 'app', what: opts.what });
  try {
    const host = createHost({
      home: opts.home,
      asker: 'panel',
      onChange: (plugin) => emit('hf:event:plugin-changed', plugin),
      onNotify: (pluginId, n) => emit('hf:event:notification', { pluginId, title: n.title, message: n.message, kind: n.kind }),
      onPrompts: (pending) => emit('hf:event:prompts', pending),
      // Panels show what plugins control (URLs, paths, log text) neutralised; the files keep it as it was.
      onAudit: (entry) => emit('hf:event:audit', displayFields(entry)),
      onPluginEvent: (pluginId, name, payload) => emit('hf:event:plugin-event', { pluginId, name, payload }),
      onWorkflowRun: (run) => emit('hf:event:workflow-run', run),
      onWorkflowsChanged: () => emit('hf:event:workflows-changed', null),
      onDialogs: (pending) => emit('hf:event:dialogs', pending),
    });
    // Every change of a grant, whoever made it (a prompt, a panel, the command line), reaches the panels.
    host.grants.onChange(() => emit('hf:event:grants', host.grants.all().map(displayFields)));
    host.logger.follow((record) => emit('hf:event:log', displayFields(record)));
    const dispatch = createRouter({
      ...host,
      pluginRemoved: (pluginId) => emit('hf:event:plugin-removed', { pluginId }),
    });
    host.plugins.discover();
    const control = await startControlServer(opts.home, dispatch, host.logger);
    return {
      host,
      dispatch,
      stop: async () => {
        await control.close();
        await host.shutdown();
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}
