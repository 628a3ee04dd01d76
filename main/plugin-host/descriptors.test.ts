import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('a plugin host at start', () => {
  it('closes what it inherited besides stdio and its channel on fd 3, so no door leads out of its sandbox', () => {
    // Started like a plugin host (its channel on fd 3) by a parent that left fd 40 open to it.
    const script = "import { closeInheritedDescriptors } from './main/plugin-host/descriptors.ts'; process.stderr.write(JSON.stringify(closeInheritedDescriptors()));";
    const r = spawnSync('/bin/bash', ['-c', `exec 40</dev/null; exec "${process.execPath}" --import tsx --input-type=module -e "${script}"`], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    const closed = JSON.parse(r.stderr) as number[];
    expect(closed).toContain(40);
    expect(closed).not.toContain(3);
  });
});
