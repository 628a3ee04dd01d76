import { describe, expect, it } from 'vitest';
import { resolveWireName, wireName } from './wire';

describe('wire names', () => {
  it('prefix the command with the sanitised plugin id', () => {
    expect(wireName('dev.example.my-plugin', 'ping')).toBe('plugin_dev_example_my_plugin_ping');
    expect(wireName('dev.haloforge.image-studio', 'image_studio_generate_images')).toBe(
      'plugin_dev_haloforge_image_studio_image_studio_generate_images',
    );
  });

  it('resolve back to the installed plugin and its command', () => {
    const ids = ['dev.example.my-plugin', 'dev.example.my'];
    expect(resolveWireName('plugin_dev_example_my_plugin_ping', ids)).toEqual({ pluginId: 'dev.example.my-plugin', command: 'ping' });
    expect(resolveWireName('plugin_dev_example_my_x', ids)).toEqual({ pluginId: 'dev.example.my', command: 'x' });
  });

  it('resolve to nothing for an unknown plugin or an empty command', () => {
    expect(resolveWireName('plugin_dev_other_ping', ['dev.example.my-plugin'])).toBeUndefined();
    expect(resolveWireName('plugin_dev_example_my_plugin_', ['dev.example.my-plugin'])).toBeUndefined();
  });
});
