/**
 * Wire names of plugin commands (contract §3.1): `plugin_<id with . and - as _>_<command>`.
 * The only place in the host that builds one.
 */
export function sanitizedPluginId(pluginId: string): string {
  return pluginId.replace(/[.-]/g, '_');
}

export function wireName(pluginId: string, command: string): string {
  return `plugin_${sanitizedPluginId(pluginId)}_${command}`;
}

/**
 * Finds which plugin and command a wire name means. The sanitised prefix is lossy, so this asks the
 * installed ids rather than guessing; the longest matching prefix wins.
 */
export function resolveWireName(wire: string, pluginIds: Iterable<string>): { pluginId: string; command: string } | undefined {
  let best: { pluginId: string; command: string } | undefined;
  for (const id of pluginIds) {
    const prefix = `plugin_${sanitizedPluginId(id)}_`;
    if (wire.startsWith(prefix) && wire.length > prefix.length && (!best || id.length > best.pluginId.length)) {
      best = { pluginId: id, command: wire.slice(prefix.length) };
    }
  }
  return best;
}
