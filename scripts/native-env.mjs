// How native/ is built, in one place: the release profile, and Rust's std linked as a shared
// library (with an rpath to the toolchain's copy). The bridge and plugins built this way share one
// std, which is what lets the bridge catch a plugin's panic (a panic that crosses into another
// copy of std aborts the process).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const nativeDir = join(root, 'native');
export const nativeManifest = join(nativeDir, 'Cargo.toml');
export const nativeRelease = join(nativeDir, 'target', 'release');
/** The program shim and gate (and the tests' p4 stub): linked statically, built apart. */
export const programsManifest = join(nativeDir, 'programs', 'Cargo.toml');

export function cargoAvailable() {
  try {
    execFileSync('cargo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The target triple rustc builds for here. */
export function rustHost() {
  return execFileSync('rustc', ['-vV'], { encoding: 'utf8' }).match(/^host: (.+)$/m)?.[1] ?? 'x86_64-unknown-linux-gnu';
}

/** The toolchain folder holding the shared Rust std that native/ links. */
export function rustStdDir() {
  const sysroot = execFileSync('rustc', ['--print', 'sysroot'], { encoding: 'utf8' }).trim();
  return join(sysroot, 'lib', 'rustlib', rustHost(), 'lib');
}

export function nativeEnv(env = process.env) {
  return { ...env, RUSTFLAGS: `-C prefer-dynamic -C link-arg=-Wl,-rpath,${rustStdDir()}` };
}

/** How the static binaries are built (the supervisor, and the programs workspace's shim and gate): into a target folder of their own (other flags). */
export function staticEnv(env = process.env) {
  return { ...env, RUSTFLAGS: '-C target-feature=+crt-static', CARGO_TARGET_DIR: join(nativeDir, 'target', 'static') };
}

export const CARGO_MISSING = 'cargo was not found. HaloForge Host builds native/ (the host bridge and sample plugins) with Rust: install it with rustup (https://rustup.rs), then run this again.';
