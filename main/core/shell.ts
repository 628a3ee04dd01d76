import { displayFields } from './display-text';
import { createHost, type Host, type HostOptions } from './host';
import type { EventName, Events } from './ipc/channels';
import { createRouter, type Dispatch } from './ipc/router';

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

/**
 * What both shells (Electron and the web host) run: the core, with every change announced to the
 * panels through `emit`, and the router that answers them. The shells only carry messages.
 */
export function createShellCore(opts: Pick<HostOptions, 'home'>, emit: Emit): { host: Host; dispatch: Dispatch } {
  const host = createHost({
    ...opts,
    asker: 'panel',
    onChange: (plugin) => emit('hf:event:plugin-changed', plugin),
    onNotify: (pluginId, n) => emit('hf:event:notification', { pluginId, title: n.title, message: n.message, kind: n.kind }),
    onPrompts: (pending) => emit('hf:event:prompts', pending),
    // Panels show what plugins control (URLs, paths, log text) neutralised; the files keep it as it was.
    onAudit: (entry) => emit('hf:event:audit', displayFields(entry)),
    onPluginEvent: (pluginId, name, payload) => emit('hf:event:plugin-event', { pluginId, name, payload }),
  });
  // Every change of a grant, whoever made it (a prompt, a panel, the command line), reaches the panels.
  host.grants.onChange(() => emit('hf:event:grants', host.grants.all().map(displayFields)));
  host.logger.follow((record) => emit('hf:event:log', displayFields(record)));
  const dispatch = createRouter({
    ...host,
    pluginRemoved: (pluginId) => emit('hf:event:plugin-removed', { pluginId }),
  });
  return { host, dispatch };
}
