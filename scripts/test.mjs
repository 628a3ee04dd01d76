// `npm test`: the whole suite, in order of cost: cargo test for native/, lint and types, unit and
// integration tests (vitest), then the browser tests (Playwright, Debian's chromium). Fails when any
// part fails, and says which.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { nativeEnv, nativeManifest, programsManifest, root, rustHost, staticEnv } from './native-env.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', name);
// Formatting is checked on our own crates; plugins/hello stays the guide's code word for word.
const formatted = ['hf-host-bridge', 'hf-supervisor', 'hf-path-calls', 'hf-misbehave', 'hf-wrong-abi', 'hf-http-kit', 'hf-fetcher', 'hf-browser', 'hf-notes', 'hf-git-status', 'hf-own-client-kit', 'hf-own-fetcher', 'hf-own-browser', 'hf-text-steps', 'hf-hello-panel', 'hf-editor', 'hf-story', 'hf-git-tools', 'hf-p4-tools', 'hf-walls', 'hf-fd-pass'];
const steps = [
  ['cargo fmt --check (native/)', 'cargo', ['fmt', '--check', '--manifest-path', nativeManifest, ...formatted.flatMap((p) => ['-p', p])]],
  ['cargo clippy (host-bridge, supervisor)', 'cargo', ['clippy', '--release', '--locked', '--manifest-path', nativeManifest, '-p', 'hf-host-bridge', '-p', 'hf-supervisor', '-p', 'hf-path-calls', '-p', 'hf-walls', '-p', 'hf-fd-pass', '--all-targets', '--', '-D', 'warnings'], nativeEnv()],
  ['cargo test (native/)', 'cargo', ['test', '--release', '--locked', '--manifest-path', nativeManifest], nativeEnv()],
  // The program shim and gate, built statically on their own (see build-native.mjs).
  ['cargo fmt --check (native/programs)', 'cargo', ['fmt', '--check', '--manifest-path', programsManifest]],
  ['cargo clippy (native/programs)', 'cargo', ['clippy', '--release', '--locked', '--manifest-path', programsManifest, '--target', rustHost(), '--all-targets', '--', '-D', 'warnings'], staticEnv()],
  ['cargo test (native/programs)', 'cargo', ['test', '--release', '--locked', '--manifest-path', programsManifest, '--target', rustHost()], staticEnv()],
  ['eslint', bin('eslint'), ['.']],
  // main/ is checked alone without the DOM (it runs in Node), then everything with it.
  ['typecheck (main, Node only)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.main.json']],
  ['typecheck (renderer, DOM only)', bin('vue-tsc'), ['--noEmit', '-p', 'tsconfig.renderer.json']],
  ['typecheck', bin('vue-tsc'), ['--noEmit', '-p', 'tsconfig.json']],
  ['vitest (unit + integration)', bin('vitest'), ['run']],
  ['playwright (e2e)', bin('playwright'), ['test']],
];

const failed = [];
for (const [name, cmd, argv, env] of steps) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: env ?? process.env });
  if (r.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`\nnpm test: FAILED: ${failed.join(', ')}`);
  process.exit(1);
}
console.log('\nnpm test: all passed');
