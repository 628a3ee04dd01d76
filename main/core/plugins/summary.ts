import { displayFields, displayText } from '../display-text';
import { frameLabel } from '../frontends/frame-server';
import { frontendOf, type Placement } from '../frontends/placements';
import type { SandboxStatus } from '../sandbox/proof';
import type { PermissionState } from './approvals';
import type { PluginAuthority } from './authority';
import type { CatalogueEntry } from './catalogue';
import { differences } from './differences';
import type { PluginMetadata } from './host-protocol';
import type { PluginProcess, PluginState } from './plugin-process';
import type { PluginRecord } from './registry';

/** What panels and the command line see of a plugin. */
export interface PluginSummary {
  id: string;
  name: string;
  version: string;
  description: string;
  dir: string;
  enabled: boolean;
  state: PluginState;
  error: string | null;
  commands: string[];
  /** Every manifest permission with its tier, description and status. */
  permissions: PermissionState[];
  /** Standard and Sensitive permissions still waiting for the user's approval: the plugin stays off. */
  needsApproval: PermissionState[];
  metadata: PluginMetadata | null;
  /** The manifest has a settings_schema, so the panel offers a settings form. */
  hasSettings: boolean;
  /**
   * Its frontend, if it has one: the label of its frames' origin and where they show. Panels draw
   * the frames only while the plugin is active.
   */
  frontend: { label: string; placements: Placement[] } | null;
  /** Whether its plugin host proved its sandbox, with the proof (see core/sandbox/proof). */
  sandbox: SandboxStatus;
  /** What a long start is doing (building a bridge for the plugin's compiler), while it does. */
  progress: string | null;
  /** The rustup toolchain that would let it load (`haloforge toolchain install <it>`), when that is what it lacks. */
  toolchainNeeded: string | null;
  /**
   * Where what the plugin says of itself differs from its manifest (version, name, commands), as
   * real plugins often do: it keeps working, and the reviewer sees it.
   */
  differences: string[];
  localNetwork: boolean;
  installSource: string | null;
  installDate: string | null;
  updateDate: string | null;
}

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
    installSource: record?.installSource ?? null,
    installDate: record?.installDate ?? null,
    updateDate: record?.updateDate ?? null,
  };
}
