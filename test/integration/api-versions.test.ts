import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import { installSample, release, root } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';

const PINNED = 'dev.haloforge.test.pinned-api';

describe.each(['0.2.13', '0.2.17'])('a plugin built against haloforge-plugin-api %s exactly, as released plugins are', (version) => {
  it('loads with the 0.2.18 bridge, answers, runs its workflow step, and its card shows how it differs from its manifest', async () => {
    const home = scratchHome();
    installSample(home, {
      sample: join(root, 'native', 'compat', 'pinned-api'),
      library: join(release, `libhf_pinned_api_${version.replaceAll('.', '_')}.so`),
    });
    const host = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, '') }));
    host.plugins.discover();
    await host.start();
    expect(host.plugins.get(PINNED)).toMatchObject({ state: 'active', error: null, version: '1.0.0' });
    await expect(host.plugins.invoke(PINNED, 'api_version', {})).resolves.toEqual({ api: version });
    await expect(host.plugins.invoke(PINNED, 'echo', { a: [1, 'two'] })).resolves.toEqual({ a: [1, 'two'] });
    await expect(host.plugins.runStep(PINNED, 'count_words', { text: 'three small words' })).resolves.toEqual({ words: 3 });
    expect(host.plugins.get(PINNED)?.differences).toEqual(['it says it is version 0.9.0; its manifest says 1.0.0', 'it registers commands its manifest does not list: echo']);
  });
});
