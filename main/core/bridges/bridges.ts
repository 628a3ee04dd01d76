import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { withReadAt } from '../files/elf';
import { HOST_TARGET, type Logger } from '../log/logger';
import { rustStdDir } from '../sandbox/host-view';
import { isWellFormedRustc, rustcVersionsOf } from './elf-comment';

/** A host bridge a plugin host can load, and the folder of the Rust std it links. */
export interface Bridge {
  path: string;
  stdDir: string | undefined;
  rustc: string;
}

export type BridgeLookup = { ok: true; bridge: Bridge } | { ok: false; problem: string; toolchain?: string };

const BRIDGE_FILE = 'libhf_host_bridge.so';

/** The rustc versions a library file's .comment names, read piece by piece (see rustcVersionsOf). */
export function rustcVersionsInFile(path: string): string[] {
  return withReadAt(path, rustcVersionsOf);
}

/** A folder name for a compiler version: `1.97.0-nightly (e50aa6fba 2026-05-19)` → `1.97.0-nightly_e50aa6fba_2026-05-19`. */
export function cacheKey(rustc: string): string {
  return rustc.replace(/[()]/g, '').trim().replace(/[^A-Za-z0-9.-]+/g, '_');
}

/**
 * What `rustup toolchain install` needs to bring a compiler: its version for a release, the date
 * of the next day's build for a nightly (rustup names nightlies by the day they were published,
 * the day after their last commit).
 */
export function rustupNameFor(rustc: string): string {
  const m = /^(\d+\.\d+\.\d+)(-(nightly|beta(?:\.\d+)?))?\s*\(\w+ (\d{4}-\d\d-\d\d)\)/.exec(rustc);
  if (!m) return rustc.split(' ')[0] ?? rustc;
  const [, release, , channel, date] = m;
  if (channel === 'nightly' && date) return `nightly-${new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)}`;
  if (channel?.startsWith('beta')) return 'beta';
  return release as string;
}

/** What the build of a cached bridge recorded beside it. */
export interface BuiltBridge {
  stdDir?: string;
  rustc?: string;
  /** The digest of the source it was built from (see bridgeSourceDigest). */
  source?: string;
}

function readRuntime(dir: string): BuiltBridge {
  try {
    return JSON.parse(readFileSync(join(dir, 'hf-bridge-runtime.json'), 'utf8')) as BuiltBridge;
  } catch {
    return {};
  }
}

/** The crates a bridge is built from (native/host-bridge and those it links), beside the lock file. */
const BRIDGE_SOURCE = ['host-bridge', 'path-calls', 'walls', 'fd-pass'];

/**
 * A digest of the source the bridge is built from. The plugin host speaks to its bridge through C
 * functions that change with this app, so a bridge built by an earlier version of it is built
 * again: reused, it would be called with arguments it does not take.
 */
export function bridgeSourceDigest(appRoot: string): string {
  const native = join(appRoot, 'native');
  const hash = createHash('sha256');
  const files = BRIDGE_SOURCE.flatMap((crate) =>
    readdirSync(join(native, crate), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name)),
  );
  for (const file of [...files, join(native, 'Cargo.lock')].sort()) {
    hash.update(`${relative(native, file)}\0`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** Whether a cached bridge is one for `rustc` built from the source of now. */
export function reusable(built: BuiltBridge, rustc: string, source: string): boolean {
  return built.rustc === rustc && built.source === source;
}

/**
 * A bridge per compiler (a plugin's trait-object ABI only matches the rustc that built it): the
 * default one from this build, or one built from `native/host-bridge` with the plugin's own
 * toolchain, once, into a cache under the data folder, and reused after. The bridge still checks
 * the plugin's `.comment` in the sandbox before loading it: a wrong choice here is refused there.
 */
export class Bridges {
  private readonly defaultBridge: Bridge;
  private readonly building = new Map<string, Promise<BridgeLookup>>();
  private toolchainVersions: Map<string, string> | undefined;
  private sourceDigest: string | undefined;

  constructor(
    private readonly opts: { home: string; appRoot: string; defaultBridge: string; logger: Logger },
  ) {
    const rustc = existsSync(opts.defaultBridge) ? (rustcVersionsInFile(opts.defaultBridge)[0] ?? 'unknown') : 'unknown';
    this.defaultBridge = { path: opts.defaultBridge, stdDir: rustStdDir(opts.defaultBridge), rustc };
  }

  get cacheDir(): string {
    return join(this.opts.home, 'bridges');
  }

  /** The bridge for a plugin library; `onProgress` hears how a first build for its compiler goes. */
  async forLibrary(library: string, onProgress: (text: string) => void): Promise<BridgeLookup> {
    let found: string[];
    try {
      found = rustcVersionsInFile(library);
    } catch {
      found = [];
    }
    const versions = found.filter(isWellFormedRustc);
    if (versions.length < found.length) {
      return { ok: false, problem: 'it was built by an unrecognised compiler (its .comment names a rustc version in a form no rustc writes), so no host bridge can be matched with it; rebuild it with a released Rust toolchain' };
    }
    // No version, or the default one: the default bridge, whose own check says the rest.
    const wanted = versions[0];
    if (!wanted || versions.includes(this.defaultBridge.rustc)) return { ok: true, bridge: this.defaultBridge };
    const cached = this.cached(wanted);
    if (cached) return { ok: true, bridge: cached };
    const key = cacheKey(wanted);
    let build = this.building.get(key);
    if (!build) {
      build = this.build(wanted, onProgress).finally(() => this.building.delete(key));
      this.building.set(key, build);
    }
    return build;
  }

  private cached(rustc: string): Bridge | undefined {
    const dir = join(this.cacheDir, cacheKey(rustc));
    const path = join(dir, BRIDGE_FILE);
    if (!existsSync(path)) return undefined;
    const runtime = readRuntime(dir);
    return reusable(runtime, rustc, this.source()) ? { path, stdDir: runtime.stdDir, rustc } : undefined;
  }

  /** Read when a plugin first needs a bridge of another compiler, not at every start. */
  private source(): string {
    this.sourceDigest ??= bridgeSourceDigest(this.opts.appRoot);
    return this.sourceDigest;
  }

  /** The installed toolchain whose `rustc -V` is exactly `rustc`, by its rustup name. */
  private toolchainFor(rustc: string): string | undefined {
    const find = () => [...(this.toolchainVersions ?? new Map<string, string>())].find(([, v]) => v === rustc)?.[0];
    if (!this.toolchainVersions || !find()) this.toolchainVersions = scanToolchains();
    return find();
  }

  private async build(rustc: string, onProgress: (text: string) => void): Promise<BridgeLookup> {
    const toolchain = this.toolchainFor(rustc);
    const install = rustupNameFor(rustc);
    if (!toolchain) {
      return {
        ok: false,
        toolchain: install,
        problem: `it was built with rustc ${rustc}, and the host bridge with rustc ${this.defaultBridge.rustc}; a plugin only loads with a bridge from the same compiler, and no installed Rust toolchain is rustc ${rustc}: install it with \`rustup toolchain install ${install}\` (or \`haloforge toolchain install ${install}\`), then restart the plugin`,
      };
    }
    const dir = join(this.cacheDir, cacheKey(rustc));
    mkdirSync(dir, { recursive: true });
    const stdDir = toolchainStdDir(toolchain);
    const manifest = join(this.opts.appRoot, 'native', 'Cargo.toml');
    this.opts.logger.log('info', HOST_TARGET, `building the host bridge with toolchain ${toolchain} (rustc ${rustc}) into ${dir}: once, for every plugin built by that compiler`);
    onProgress(`building the host bridge with rustc ${rustc} (once for this compiler; a minute or two)`);
    const result = await new Promise<{ code: number | null; tail: string[] }>((resolve) => {
      const cargo = spawn('cargo', [`+${toolchain}`, 'build', '--release', '--locked', '-p', 'hf-host-bridge', '--manifest-path', manifest, '--target-dir', join(dir, 'target')], {
        env: { ...process.env, RUSTFLAGS: `-C prefer-dynamic -C link-arg=-Wl,-rpath,${stdDir ?? ''}` },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const tail: string[] = [];
      let partial = '';
      cargo.stderr.setEncoding('utf8');
      cargo.stderr.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines.map((l) => l.trim()).filter(Boolean)) {
          tail.push(line);
          if (tail.length > 12) tail.shift();
          if (/^(Compiling|Finished|Downloaded)\b/.test(line)) onProgress(`building the host bridge with rustc ${rustc}: ${line}`);
        }
      });
      cargo.on('error', (e) => resolve({ code: -1, tail: [...tail, e.message] }));
      cargo.on('close', (code) => resolve({ code, tail }));
    });
    const built = join(dir, 'target', 'release', BRIDGE_FILE);
    if (result.code !== 0 || !existsSync(built)) {
      this.opts.logger.log('error', HOST_TARGET, `building the host bridge with ${toolchain} failed: ${result.tail.join(' | ')}`);
      return { ok: false, problem: `the host bridge could not be built with rustc ${rustc} (toolchain ${toolchain}): ${result.tail.slice(-3).join(' | ')}` };
    }
    copyFileSync(built, join(dir, BRIDGE_FILE));
    writeFileSync(join(dir, 'hf-bridge-runtime.json'), `${JSON.stringify({ stdDir, rustc, source: this.source() } satisfies BuiltBridge, null, 2)}\n`);
    this.opts.logger.log('info', HOST_TARGET, `built the host bridge for rustc ${rustc}; plugins built by it load with ${join(dir, BRIDGE_FILE)}`);
    return { ok: true, bridge: { path: join(dir, BRIDGE_FILE), stdDir, rustc } };
  }
}

/** Every installed rustup toolchain by name, with what its `rustc -V` says (without "rustc "). */
function scanToolchains(): Map<string, string> {
  const found = new Map<string, string>();
  const list = spawnSync('rustup', ['toolchain', 'list'], { encoding: 'utf8', timeout: 30_000 });
  if (list.status !== 0) return found;
  for (const line of list.stdout.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (!name) continue;
    const v = spawnSync('rustc', [`+${name}`, '-V'], { encoding: 'utf8', timeout: 30_000 });
    if (v.status === 0) found.set(name, v.stdout.trim().replace(/^rustc /, ''));
  }
  return found;
}

/** The folder of a toolchain's shared Rust std (what a `-C prefer-dynamic` build links). */
function toolchainStdDir(toolchain: string): string | undefined {
  const sysroot = spawnSync('rustc', [`+${toolchain}`, '--print', 'sysroot'], { encoding: 'utf8' }).stdout.trim();
  const host = /^host: (.+)$/m.exec(spawnSync('rustc', [`+${toolchain}`, '-vV'], { encoding: 'utf8' }).stdout)?.[1];
  const dir = sysroot && host ? join(sysroot, 'lib', 'rustlib', host, 'lib') : undefined;
  return dir && existsSync(dir) ? dir : undefined;
}
