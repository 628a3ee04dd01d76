/** A plugin as panels and the command line see it, and what it says of itself. Pure: no Node, so panels share it. */

import type { Placement } from '../frontends/placements';
import type { SandboxStatus } from '../sandbox/proof';
import type { StepTypeDefinition } from '../workflows/step-types';
import type { PermissionState } from './approvals';

export type PluginState = 'inactive' | 'loading' | 'active' | 'error' | 'unloading';

export interface PluginMetadata {
  id: string;
  name: string;
  version: string;
  description: string;
  author: string;
  abiVersion: number;
  rustc: string;
  sharedStd: boolean;
  /** As the plugin host reported them; main keeps only those that pass `readStepTypes`. */
  workflowStepTypes: StepTypeDefinition[];
}

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
  /**
   * What its sandbox shows it besides the system's runtime (read-only), a private /tmp and each
   * folder or file granted (at its path; see the grants): its own folder (read-only), its data
   * folder (read-write).
   */
  view: { own: string; data: string };
  installSource: string | null;
  installDate: string | null;
  updateDate: string | null;
}
