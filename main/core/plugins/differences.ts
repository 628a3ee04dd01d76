import type { Manifest } from '../manifest/read';
import type { PluginMetadata } from './summary-types';

/** What a loaded plugin says of itself that its manifest does not (contract §1.8: common in real plugins). */
export function differences(manifest: Manifest, metadata: PluginMetadata, registered: readonly string[]): string[] {
  const out: string[] = [];
  if (metadata.version !== manifest.version) out.push(`it says it is version ${metadata.version}; its manifest says ${manifest.version}`);
  if (metadata.name !== manifest.name) out.push(`it calls itself "${metadata.name}"; its manifest says "${manifest.name}"`);
  if (manifest.commands) {
    const listed = new Set(manifest.commands.map((c) => c.id));
    const unlisted = registered.filter((c) => !listed.has(c));
    const missing = [...listed].filter((c) => !registered.includes(c));
    if (unlisted.length) out.push(`it registers commands its manifest does not list: ${unlisted.join(', ')}`);
    if (missing.length) out.push(`its manifest lists commands it does not register: ${missing.join(', ')}`);
  }
  const declared = manifest.integration?.level4?.workflow_step_types;
  if (declared) {
    const steps = metadata.workflowStepTypes.map((t) => t.typeId);
    const unlisted = steps.filter((t) => !declared.includes(t));
    const missing = declared.filter((t) => !steps.includes(t));
    if (unlisted.length) out.push(`it registers workflow step types its manifest does not list: ${unlisted.join(', ')}`);
    if (missing.length) out.push(`its manifest lists workflow step types it does not register: ${missing.join(', ')}`);
  }
  return out;
}
