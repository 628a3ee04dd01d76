import type { Manifest } from '../manifest/validate';

/** Where a plugin's frontend shows in the host (contract §2.3, capability levels 0–2). */
export type Placement =
  /** Level 0: a module of its own in the sidebar. */
  | { kind: 'module'; moduleId: string; label: string; icon: string; position: 'main' | 'bottom'; order: number }
  /** Level 1: a tab in a host module (DevKit here), or in its frontend's own module. */
  | { kind: 'tab'; parent: string; tabId: string; label: string; icon: string }
  /** Level 2: a slot in the host's UI; `devkit.toolbar` is the only one seen. */
  | { kind: 'slot'; slot: string };

/** What the panels need to show a plugin's frontend: its bundle, its styles and where it goes. */
export interface FrontendInfo {
  /** The bundle's path inside the plugin folder, e.g. `frontend/index.js`. */
  entry: string;
  styles: string | null;
  placements: Placement[];
}

/** Slots this host draws; a plugin asking for another one is shown nowhere, and its card says so. */
export const KNOWN_SLOTS = ['devkit.toolbar'] as const;

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, fallback: string): string => (typeof v === 'string' && v.trim() !== '' ? v : fallback);

/**
 * A plugin's frontend as its manifest describes it, or null when it has none. The bundle is
 * `entry.frontend`, else a level's `panel_entry` (real plugins name the same file in both). A
 * frontend with no level 0–2 block still shows, as a DevKit tab named after the plugin.
 */
export function frontendOf(manifest: Manifest): FrontendInfo | null {
  const integration: Fields = isObject(manifest.integration) ? manifest.integration : {};
  const l0 = isObject(integration.level0) ? integration.level0 : undefined;
  const l1 = isObject(integration.level1) ? integration.level1 : undefined;
  const l2 = isObject(integration.level2) ? integration.level2 : undefined;
  const entry = manifest.entry?.frontend ?? (typeof l0?.panel_entry === 'string' ? l0.panel_entry : undefined) ?? (typeof l1?.panel_entry === 'string' ? l1.panel_entry : undefined);
  if (!entry) return null;
  const placements: Placement[] = [];
  if (l0) {
    placements.push({
      kind: 'module',
      moduleId: text(l0.module_id, manifest.id),
      label: text(l0.module_label, manifest.name),
      icon: text(l0.module_icon, ''),
      position: l0.sidebar_position === 'bottom' ? 'bottom' : 'main',
      order: typeof l0.sidebar_order === 'number' && Number.isFinite(l0.sidebar_order) ? l0.sidebar_order : 100,
    });
  }
  if (l1) placements.push({ kind: 'tab', parent: text(l1.parent_module, 'devkit'), tabId: text(l1.tab_id, manifest.id), label: text(l1.tab_label, manifest.name), icon: text(l1.tab_icon, '') });
  if (l2 && Array.isArray(l2.slots)) for (const slot of l2.slots) if (typeof slot === 'string') placements.push({ kind: 'slot', slot });
  if (placements.length === 0) placements.push({ kind: 'tab', parent: 'devkit', tabId: manifest.id, label: manifest.name, icon: '' });
  return { entry, styles: manifest.entry?.frontend_styles ?? null, placements };
}
