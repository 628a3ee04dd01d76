// Builds native/ in release mode; cargo makes later runs incremental. By default (`npm start`) only
// what the app runs: the host bridge, the supervisor, the program shim and gate. `--samples` adds the
// sample plugins (ready to install in out/samples/); `--with-tests` (npm test, the benchmarks, npm run
// build) adds those and the crates only tests load: the misbehaving and wrong-ABI plugins, the plugins
// pinned to older API crates, and the p4 stub.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CARGO_MISSING, cargoAvailable, nativeDir, nativeEnv, nativeManifest, nativeRelease, programsManifest, root, rustHost, rustStdDir, staticEnv } from './native-env.mjs';

if (!cargoAvailable()) {
  console.error(`haloforge: ${CARGO_MISSING}`);
  process.exit(1);
}
const withTests = process.argv.includes('--with-tests');
const withSamples = withTests || process.argv.includes('--samples');
/** Crates of the native/ workspace that only tests load. */
const TEST_ONLY = ['hf-misbehave', 'hf-wrong-abi'];
/** What the app itself loads (its own dependencies, path-calls, walls and fd-pass, come with it). */
const APP = ['hf-host-bridge'];
/**
 * Built statically apart (see buildStatic), not with the workspace's shared std: nothing shares a
 * panic with it, and it starts with every plugin host, where loading the shared std alone costs
 * more than the rest of its exec.
 */
const SUPERVISOR = 'hf-supervisor';

/** Builds one workspace (or some of its packages) into native/target, shared so common dependencies build once. */
function build(manifest, packages = []) {
  const args = ['build', '--release', '--locked', '--manifest-path', manifest, ...packages.flatMap((p) => ['-p', p])];
  const r = spawnSync('cargo', args, { stdio: 'inherit', env: { ...nativeEnv(), CARGO_TARGET_DIR: join(nativeDir, 'target') } });
  if (r.status !== 0) {
    console.error(`haloforge: building ${manifest} with cargo failed (see above).`);
    process.exit(r.status ?? 1);
  }
}
const dynamic = workspacePackages().filter((p) => p !== SUPERVISOR);
build(nativeManifest, withTests ? dynamic : withSamples ? dynamic.filter((p) => !TEST_ONLY.includes(p)) : APP);
// With the tests, the benchmarks' floor (f) too: a bare routed open, with the supervisor's own notify.rs.
buildStatic(nativeManifest, withTests ? [SUPERVISOR, 'hf-floor-routed-open'] : [SUPERVISOR]);
// The program shim and gate run where Landlock lets nothing else execute, not even the dynamic
// loader: linked statically, built apart (their own flags), copied beside the rest.
buildStatic(programsManifest, withTests ? ['hf-shim', 'hf-gate', 'hf-p4-stub'] : ['hf-shim', 'hf-gate']);

/** The package names of native/'s workspace members, from their Cargo.toml. */
function workspacePackages() {
  const members = readFileSync(nativeManifest, 'utf8').match(/^members = \[(.*)\]$/m)?.[1] ?? '';
  return [...members.matchAll(/"([^"]+)"/g)].map(([, dir]) => readFileSync(join(nativeDir, dir, 'Cargo.toml'), 'utf8').match(/^name = "([^"]+)"/m)?.[1]).filter(Boolean);
}

/** Builds `binaries` of a workspace statically into a target folder of their own, and copies them beside the rest. */
function buildStatic(manifest, binaries) {
  const target = rustHost();
  const env = staticEnv();
  const r = spawnSync('cargo', ['build', '--release', '--locked', '--manifest-path', manifest, '--target', target, ...binaries.flatMap((b) => ['--bin', b])], { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`haloforge: building ${manifest} with cargo failed (see above).`);
    process.exit(r.status ?? 1);
  }
  for (const name of binaries) {
    const into = join(nativeRelease, name);
    // Unlinked first: a binary cargo built there before is a hard link into its deps folder.
    rmSync(into, { force: true });
    copyFileSync(join(env.CARGO_TARGET_DIR, target, 'release', name), into);
  }
}
// The test plugin pinned to older API crates, as HaloForge's released plugins are.
if (withTests) for (const version of ['0.2.13', '0.2.17']) build(join(nativeDir, 'compat', `api-${version}`, 'Cargo.toml'));

// Where the bridge's shared Rust std lives: plugin host sandboxes see this folder (read-only) and
// nothing else of the toolchain (main/core/sandbox/host-view.ts).
writeFileSync(join(nativeRelease, 'hf-bridge-runtime.json'), `${JSON.stringify({ stdDir: rustStdDir() }, null, 2)}\n`);

// Ready-to-install copies of the sample plugins: out/samples/<name>/ with the manifest and the
// library it names, so `npx haloforge install out/samples/hello` works from a fresh build.
const samplesDir = join(nativeDir, 'plugins');
for (const name of readdirSync(samplesDir)) {
  const manifestPath = join(samplesDir, name, 'manifest.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const lib = manifest.entry?.native?.linux_x64;
  // A plugin not built by this run (or by an earlier one) has nothing to copy.
  if (!lib || !existsSync(join(nativeRelease, basename(lib)))) continue;
  const into = join(root, 'out', 'samples', name);
  mkdirSync(join(into, dirname(lib)), { recursive: true });
  copyFileSync(manifestPath, join(into, 'manifest.json'));
  copyFileSync(join(nativeRelease, basename(lib)), join(into, lib));
}
console.log(`native/ built; ready-to-install samples are in ${join(root, 'out', 'samples')}/ (e.g. npx haloforge install out/samples/hello)`);
