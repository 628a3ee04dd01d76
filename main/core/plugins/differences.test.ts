import { describe, expect, it } from 'vitest';
import type { Manifest } from '../manifest/validate';
import type { PluginMetadata } from './summary-types';
import { differences } from './differences';

const manifest = { id: 'dev.haloforge.markdown', name: 'Markdown Workspace', version: '0.2.28', commands: [{ id: 'md_open_file' }, { id: 'md_recent_files' }, { id: 'md_gone' }] } as unknown as Manifest;
const metadata: PluginMetadata = { id: 'dev.haloforge.markdown', name: 'Markdown', version: '0.2.27', description: '', author: '', abiVersion: 1, rustc: '1.95.0', sharedStd: true, workflowStepTypes: [] };

describe('where a real plugin differs from its manifest', () => {
  it('says each difference, as the public plugins show them, without refusing the plugin', () => {
    expect(differences(manifest, metadata, ['md_open_file', 'md_recent_files', 'md_save_as', 'md_clear_recent_files'])).toEqual([
      'it says it is version 0.2.27; its manifest says 0.2.28',
      'it calls itself "Markdown"; its manifest says "Markdown Workspace"',
      'it registers commands its manifest does not list: md_save_as, md_clear_recent_files',
      'its manifest lists commands it does not register: md_gone',
    ]);
  });

  it('says nothing when they agree, or when the manifest lists no commands', () => {
    expect(differences({ ...manifest, commands: undefined } as Manifest, { ...metadata, name: 'Markdown Workspace', version: '0.2.28' }, ['x'])).toEqual([]);
  });
});
