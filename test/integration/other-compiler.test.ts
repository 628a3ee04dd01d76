/**
 * A plugin built by another compiler than the host's bridge (as HaloForge's own plugins pin rustc
 * 1.97.0): the host builds a bridge with that exact toolchain, once, and loads the plugin with it.
 * Shown with this machine's nightly toolchain.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import { rustcVersionsInFile } from '../../main/core/bridges/bridges';
import { installSample, root } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';

const HELLO = 'dev.example.my-plugin';
const nightly = spawnSync('rustc', ['+nightly', '-V'], { encoding: 'utf8' });
const stable = spawnSync('rustc', ['-V'], { encoding: 'utf8' });
const secondCompiler = nightly.status === 0 && nightly.stdout.trim() !== stable.stdout.trim();
if (!secondCompiler) console.warn(`skipping the other-compiler test: no second Rust toolchain is installed (rustc +nightly -V: ${nightly.stderr.trim() || nightly.stdout.trim()})`);

/** The guide's plugin as its author would build it with the nightly toolchain (std shared, as ours). */
function helloBuiltWithNightly(): string {
  const sysroot = spawnSync('rustc', ['+nightly', '--print', 'sysroot'], { encoding: 'utf8' }).stdout.trim();
  const host = /^host: (.+)$/m.exec(spawnSync('rustc', ['+nightly', '-vV'], { encoding: 'utf8' }).stdout)?.[1] ?? 'x86_64-unknown-linux-gnu';
  const targetDir = join(root, 'native', 'target', 'nightly-plugins');
  const build = spawnSync('cargo', ['+nightly', 'build', '--release', '--locked', '-p', 'hf-my-plugin', '--manifest-path', join(root, 'native', 'Cargo.toml'), '--target-dir', targetDir], {
    encoding: 'utf8',
    env: { ...process.env, RUSTFLAGS: `-C prefer-dynamic -C link-arg=-Wl,-rpath,${join(sysroot, 'lib', 'rustlib', host, 'lib')}` },
  });
  if (build.status !== 0) throw new Error(`cargo +nightly build failed: ${build.stderr}`);
  return join(targetDir, 'release', 'libhf_my_plugin.so');
}

describe.skipIf(!secondCompiler)('a plugin built by another Rust', () => {
  it('loads with a bridge built once by its own toolchain, and later loads reuse that bridge', { timeout: 600_000 }, async () => {
    const library = helloBuiltWithNightly();
    expect(rustcVersionsInFile(library)).toEqual([nightly.stdout.trim().replace(/^rustc /, '')]);
    const home = scratchHome();
    const { libraryPath } = installSample(home, { sample: 'hello', library: false });
    mkdirSync(join(libraryPath, '..'), { recursive: true });
    copyFileSync(library, libraryPath);

    const first = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, ''), timeouts: { loadMs: 15_000 } }));
    first.plugins.discover();
    await first.start();
    expect(first.plugins.get(HELLO)).toMatchObject({ state: 'active', error: null, metadata: { rustc: nightly.stdout.trim().replace(/^rustc /, '') }, sandbox: { state: 'sandboxed' } });
    await expect(first.plugins.invoke(HELLO, 'ping', { value: 1 })).resolves.toEqual({ ok: true, echo: { value: 1 } });
    const log = () => first.logger.tail(200).map((r) => r.message).join('\n');
    expect(log()).toMatch(/building the host bridge with toolchain nightly\S* \(rustc 1\.97\.0-nightly/);
    expect(existsSync(join(home, 'bridges'))).toBe(true);
    await first.shutdown();
    // Both hosts write the same day's log: count the builds before and after.
    const builds = (host: typeof first) => host.logger.tail(500).filter((r) => r.message.startsWith('building the host bridge')).length;
    const built = builds(first);

    const again = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, '') }));
    again.plugins.discover();
    await again.start();
    expect(again.plugins.get(HELLO)?.state).toBe('active');
    expect(builds(again)).toBe(built);
    await expect(again.plugins.invoke(HELLO, 'ping', { again: true })).resolves.toEqual({ ok: true, echo: { again: true } });
  });
});
