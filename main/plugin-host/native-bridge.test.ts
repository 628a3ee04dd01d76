import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtArtifacts } from '../core/app-paths';

describe("a plugin host's bridge", () => {
  it('closes what the process inherited besides stdio, its channel on fd 3 and what it keeps, so no door leads out of its sandbox', () => {
    // Started like a plugin host (its channel on fd 3) by a parent that left fds 40 and 41 open to it.
    const script = `
      const { NativeBridge } = require(${JSON.stringify(join(import.meta.dirname, 'native-bridge.ts'))});
      const bridge = new NativeBridge(${JSON.stringify(builtArtifacts().bridgePath)}, 3);
      bridge.closeInherited([41]);
      const open = (fd) => { try { require('node:fs').fstatSync(fd); return true; } catch { return false; } };
      process.stderr.write(JSON.stringify({ open40: open(40), open41: open(41), open3: open(3), open2: open(2) }));
      process.exit(0);`;
    const r = spawnSync('/bin/bash', ['-c', `exec 40</dev/null 41</dev/null; exec "${process.execPath}" --require tsx/cjs -e '${script.replaceAll("'", `'"'"'`)}'`], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(JSON.parse(r.stderr)).toEqual({ open40: false, open41: true, open3: true, open2: true });
  });
});
