import { isLevel, type Level } from '../log/filter';
import type { Logger } from '../log/logger';
import type { FileDialogs } from '../dialogs/file-dialogs';
import type { DialogKind } from '../dialogs/dialog-types';
import type { PluginLifecycle } from '../plugins/lifecycle';
import type { PluginSettings } from '../plugins/plugin-settings';
import { sanitizedPluginId } from '../wire';

/** A call a frame's bundle made that this host does not serve: the message names the command. */
export class FrameCallRefused extends Error {}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

// What the SDK's useHostData asks for: HaloForge's own tables, of which this host keeps none.
const HOST_DATA = ['devkit_get_profiles', 'devkit_get_workflows', 'devkit_get_snippets', 'devkit_get_directories', 'aichat_get_sessions', 'aichat_get_model_configs'];
const MAX_LOG_TEXT = 4000;

export interface FrameCallsDeps {
  plugins: Pick<PluginLifecycle, 'catalogue' | 'emit' | 'invokeAs' | 'get'>;
  settings: Pick<PluginSettings, 'of' | 'saveFromPanel'>;
  logger: Logger;
  dialogs: FileDialogs;
}

const DIALOGS: Record<string, DialogKind> = { devkit_pick_file: 'open-file', devkit_pick_directory: 'open-folder', devkit_save_file: 'save-file' };

/**
 * The host commands a plugin's frame may call (contract §3.4), always as that plugin: the panels
 * say which plugin's frame a call came from, and nothing in the call can change it. A plugin
 * command goes through `invokeAs` (its own commands, or another plugin's exported ones, audited);
 * settings are its own only.
 */
export function createFrameCalls(deps: FrameCallsDeps) {
  const { plugins, settings, logger, dialogs } = deps;
  const holds = (pluginId: string, type: string) => plugins.catalogue.authority(pluginId)?.holds(type) === true;

  function own(pluginId: string, args: Fields, what: string): void {
    const asked = args.pluginId ?? args.plugin_id;
    if (asked !== undefined && asked !== pluginId) throw new FrameCallRefused(`Permission denied: a frame of ${pluginId} may ${what} only its own plugin's, not ${String(asked)}'s`);
  }

  function emit(pluginId: string, args: unknown): null {
    const a = isObject(args) ? args : {};
    if (typeof a.event !== 'string' || a.event.length === 0 || a.event.length > 200) throw new FrameCallRefused('emit_event needs {event, payload} with an event name of 1 to 200 characters');
    if (!holds(pluginId, 'events_emit')) throw new FrameCallRefused(`Permission denied: emitting events needs the events_emit permission, which ${pluginId} does not hold`);
    plugins.emit(pluginId, a.event, a.payload ?? null);
    return null;
  }

  async function invoke(pluginId: string, args: Fields): Promise<unknown> {
    const inner = isObject(args.args) ? args.args : {};
    const wire = inner.wire_name;
    if (typeof wire !== 'string' || wire.length === 0 || wire.length > 512) throw new FrameCallRefused('plugin_invoke needs {args: {wire_name, args}}');
    if (wire === `plugin_${sanitizedPluginId(pluginId)}_emit_event`) return emit(pluginId, inner.args);
    return plugins.invokeAs(pluginId, wire, inner.args ?? {});
  }

  function log(pluginId: string, args: Fields): null {
    const asked = typeof args.level === 'string' ? args.level.toLowerCase() : '';
    const level: Level = isLevel(asked) ? asked : 'info';
    const scope = typeof args.scope === 'string' ? args.scope.slice(0, 200) : `plugin:${pluginId}`;
    const details = args.details === undefined || args.details === null ? '' : ` ${JSON.stringify(args.details)}`;
    // The logger redacts secrets and keeps one record on one line.
    logger.log(level, pluginId, `[frontend ${scope}] ${String(args.message ?? '')}${details}`.slice(0, MAX_LOG_TEXT));
    return null;
  }

  return async function call(pluginId: string, command: string, raw: unknown): Promise<unknown> {
    const args = isObject(raw) ? raw : {};
    switch (command) {
      case 'plugin_invoke':
        return invoke(pluginId, args);
      case 'plugin_get_settings':
        own(pluginId, args, 'read settings of');
        return settings.of(pluginId).values;
      case 'plugin_save_settings': {
        own(pluginId, args, 'save settings of');
        if (!isObject(args.settings)) throw new FrameCallRefused('plugin_save_settings needs {pluginId, settings}');
        return settings.saveFromPanel(pluginId, args.settings);
      }
      case 'frontend_log_event':
        return log(pluginId, args);
      default: {
        const dialog = DIALOGS[command];
        if (dialog) {
          if (!holds(pluginId, 'host_file_dialogs')) throw new FrameCallRefused(`Permission denied: file dialogs need the host_file_dialogs permission, which ${pluginId} does not hold`);
          return dialogs.open({ id: pluginId, name: plugins.get(pluginId)?.name ?? pluginId }, dialog, args);
        }
        if (HOST_DATA.includes(command)) return [];
        throw new FrameCallRefused(`Unsupported operation: this host has no command '${command.slice(0, 100)}' for plugin frames`);
      }
    }
  };
}

export type FrameCalls = ReturnType<typeof createFrameCalls>;
