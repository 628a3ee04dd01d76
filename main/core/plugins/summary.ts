import { displayFields, displayText } from '../display-text';
import { frameLabel } from '../frontends/frame-server';
import { frontendOf } from '../frontends/placements';
import type { PluginAuthority } from './authority';
import type { CatalogueEntry } from './catalogue';
import { pluginDataDir } from '../paths';
import { differences } from './differences';
import type { PluginProcess } from './plugin-process';
import type { PluginRecord } from './registry';
import type { PluginSummary } from './summary-types';

/** A plugin as panels see it, from what the catalogue knows and what its plugin host reports; plugin-given text made safe to show. */
export function summarize(
  entry: CatalogueEntry,
  record: PluginRecord | undefined,
  authority: PluginAuthority | undefined,
  process: PluginProcess | undefined,
  problem: string | undefined,
): PluginSummary {
  const { id, manifest } = entry;
  const frontend = manifest ? frontendOf(manifest) : null;
  const states = [...(authority?.states ?? [])];
  return {
    id,
    name: displayText(manifest?.name ?? id),
    version: displayText(manifest?.version ?? ''),
    description: displayText(manifest?.description ?? ''),
    dir: entry.dir,
    enabled: record?.enabled ?? false,
    state: problem ? 'error' : process ? process.state : 'inactive',
    error: problem ?? process?.error ?? null,
    commands: process?.commands ?? [],
    permissions: states,
    needsApproval: [...(authority?.pending ?? [])],
    metadata: process?.metadata ? displayFields(process.metadata) : null,
    hasSettings: manifest?.settings_schema !== undefined,
    frontend: frontend ? { label: frameLabel(id), placements: frontend.placements.map(displayFields) } : null,
    sandbox: process?.sandbox ?? { state: 'not-started' },
    progress: process?.progress ?? null,
    toolchainNeeded: process?.toolchainNeeded ?? null,
    differences: manifest && process?.metadata ? differences(manifest, process.metadata, process.commands).map(displayText) : [],
    localNetwork: authority?.localNetwork ?? false,
    view: { own: entry.dir, data: pluginDataDir(entry.dir) },
    installSource: record?.installSource ?? null,
    installDate: record?.installDate ?? null,
    updateDate: record?.updateDate ?? null,
  };
}
