import { describe, expect, it } from 'vitest';
import type { Manifest } from '../manifest/validate';
import { frontendOf } from './placements';

const base: Manifest = { id: 'dev.haloforge.git', name: 'Git', version: '1.2.9', description: '', author: '', compatibility: { min_app_version: '0.8.0' }, capability_levels: [1], permissions: [] };

describe("where a plugin's frontend shows", () => {
  it('has no frontend without a bundle', () => {
    expect(frontendOf(base)).toBeNull();
  });

  it('puts a level 1 plugin in a tab of its parent, as git and p4 ask', () => {
    const git = { ...base, entry: { frontend: 'frontend/index.js', frontend_styles: 'frontend/style.css' }, integration: { level1: { parent_module: 'devkit', tab_id: 'git', tab_label: 'Git', tab_icon: 'GitBranch', tab_position: 'after:snippet', panel_entry: 'frontend/index.js' } } };
    expect(frontendOf(git)).toEqual({ entry: 'frontend/index.js', styles: 'frontend/style.css', placements: [{ kind: 'tab', parent: 'devkit', tabId: 'git', label: 'Git', icon: 'GitBranch' }] });
  });

  it('gives a level 0 plugin a module in the sidebar, and a level 2 plugin its slots', () => {
    const m = { ...base, integration: { level0: { module_id: 'studio', module_label: 'Image Studio', module_icon: 'Image', panel_entry: 'frontend/index.js', sidebar_position: 'bottom', sidebar_order: 5 }, level2: { slots: ['devkit.toolbar'] } } };
    expect(frontendOf(m)).toEqual({
      entry: 'frontend/index.js',
      styles: null,
      placements: [
        { kind: 'module', moduleId: 'studio', label: 'Image Studio', icon: 'Image', position: 'bottom', order: 5 },
        { kind: 'slot', slot: 'devkit.toolbar' },
      ],
    });
  });

  it('shows a frontend with no integration block as a DevKit tab named after the plugin', () => {
    expect(frontendOf({ ...base, entry: { frontend: 'ui/main.js' } })?.placements).toEqual([{ kind: 'tab', parent: 'devkit', tabId: 'dev.haloforge.git', label: 'Git', icon: '' }]);
  });
});
