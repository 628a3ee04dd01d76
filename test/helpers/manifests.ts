/** Where the library of `smallManifest` lives, relative to its plugin folder. */
export const SMALL_MANIFEST_LIBRARY = 'native/libtool.so';

/** A small manifest that passes validation on Linux, with what a test is about laid over it. */
export function smallManifest(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'dev.example.tool',
    name: 'Tool',
    version: '1.0.0',
    description: 'A tool',
    author: 'Example',
    compatibility: { min_app_version: '0.8.0', min_host_api_version: '0.2.13', platforms: ['linux'] },
    capability_levels: [1],
    entry: { native: { linux_x64: SMALL_MANIFEST_LIBRARY } },
    permissions: [],
    ...over,
  };
}
