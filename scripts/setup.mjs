// Everything `npm start` and `npm test` need on a fresh clone, done only when missing or stale:
// npm dependencies, Electron's binary where it can be had, Debian's bubblewrap (the plugin sandbox) and
// chromium (for the browser tests and benchmarks),
// native/ built with cargo, and the TypeScript build. Uses only Node's own modules, since it runs
// before node_modules exists.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './native-env.mjs';

const args = new Set(process.argv.slice(2));
const withChromium = args.has('--with-chromium');
/** npm test and the benchmarks: also the crates only tests load (see build-native.mjs). */
const withTests = args.has('--with-tests');
const quiet = args.has('--quiet');
const began = Date.now();
/** Each phase says when it starts, counted from the start of set-up: a first run takes minutes. */
const say = (msg) => {
  if (!quiet) console.log(`setup [${Math.round((Date.now() - began) / 1000)} s]: ${msg}`);
};
const stampFile = join(root, 'node_modules', '.haloforge-setup.json');

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', ...opts });
  return r.status === 0;
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return {};
  }
}

function writeStamp(stamp) {
  writeFileSync(stampFile, JSON.stringify(stamp, null, 2));
}

// 1. npm dependencies: installed again whenever package.json or the lock changed. Electron's own
//    download is skipped here (it needs a host these machines cannot reach) and tried in step 2.
function dependencies() {
  const hash = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) if (existsSync(join(root, f))) hash.update(readFileSync(join(root, f)));
  const digest = hash.digest('hex');
  if (existsSync(join(root, 'node_modules')) && readStamp().deps === digest) return;
  say('installing npm dependencies');
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
  const ci = existsSync(join(root, 'package-lock.json'));
  if (!run('npm', [ci ? 'ci' : 'install', '--no-audit', '--no-fund'], { env })) {
    console.error('setup: npm could not install the dependencies (see above).');
    process.exit(1);
  }
  writeStamp({ ...readStamp(), deps: digest });
}

// 2. Electron's binary, where it can be had. Tried at most once a day when it fails.
function electronBinary() {
  const electronDir = join(root, 'node_modules', 'electron');
  if (existsSync(join(electronDir, 'path.txt'))) return;
  const stamp = readStamp();
  if (stamp.electronTried && Date.now() - stamp.electronTried < 24 * 3600 * 1000) return;
  say("fetching Electron's binary");
  const ok = run(process.execPath, [join(electronDir, 'install.js')], { stdio: 'ignore', timeout: 120_000 });
  writeStamp({ ...stamp, electronTried: Date.now() });
  say(ok && existsSync(join(electronDir, 'path.txt'))
    ? 'Electron binary installed'
    : "Electron's binary cannot be downloaded here (its host is unreachable); continuing without it: npm start runs the web host instead");
}

// 3. System packages from Debian: bubblewrap, the sandbox every plugin host starts in (design §8),
//    and, for the browser tests and the panel benchmarks, chromium (Playwright's own browser
//    download is not reachable). Installed with apt-get when missing and running as root.
function systemPackages() {
  const wanted = [{ name: 'bubblewrap', file: '/usr/bin/bwrap', why: 'every plugin host runs in its sandbox', required: withChromium }];
  if (withChromium) wanted.push({ name: 'chromium', file: '/usr/bin/chromium', why: 'the browser tests and benchmarks drive it', required: true });
  const missing = wanted.filter((p) => !existsSync(p.file));
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    for (const p of missing) {
      const line = `setup: ${p.why}, but Debian's ${p.name} is not installed (${p.file}). Install it with: sudo apt-get install -y ${p.name}`;
      if (p.required) {
        console.error(line);
        process.exit(1);
      }
      // npm start goes on: plugins then stay off, and each says why in the panels.
      console.warn(`${line}\nsetup: continuing without it: plugins stay off until it is installed.`);
    }
    return;
  }
  const names = missing.map((p) => p.name);
  say(`installing Debian's ${names.join(' and ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['update'], { env }) || !run('apt-get', ['install', '-y', '--no-install-recommends', ...names], { env })) {
    console.error(`setup: apt-get could not install ${names.join(' and ')} (see above).`);
    process.exit(1);
  }
}

// 4. native/ with cargo (incremental after the first run).
function native() {
  say(`building native/ with cargo (release: ${withTests ? 'the app, the sample plugins and the test-only crates' : 'what the app runs; npm run build adds the sample plugins'}): the first time takes minutes, later runs seconds`);
  if (!run(process.execPath, [join(root, 'scripts', 'build-native.mjs'), ...(withTests ? ['--with-tests'] : [])])) process.exit(1);
}

// 5. What plugin frames load: the frame runtime and the samples' frontends (a second or two).
function frontends() {
  say('building the plugin frame runtime and the sample frontends');
  if (!run(process.execPath, [join(root, 'scripts', 'build-frontends.mjs')])) {
    console.error('setup: building the frame runtime or a sample frontend failed (see above).');
    process.exit(1);
  }
}

// 6. main/, preload/ and renderer/ with electron-vite, and the plugin host script on its own
//    (scripts/build-plugin-host.mjs), when any source is newer than the build.
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

function typescript() {
  const built = [join(root, 'out', 'main', 'cli.js'), join(root, 'out', 'plugin-host', 'index.cjs')];
  const sources = Math.max(
    ...['main', 'preload', 'renderer'].map((d) => newest(join(root, d))),
    ...['electron.vite.config.ts', 'package.json', join('scripts', 'build-plugin-host.mjs')].map((f) => statSync(join(root, f)).mtimeMs),
  );
  if (built.every((f) => existsSync(f) && statSync(f).mtimeMs >= sources)) return;
  say('building main/, preload/ and renderer/ with electron-vite, and the plugin host script');
  if (!run(join(root, 'node_modules', '.bin', 'electron-vite'), ['build']) || !run(process.execPath, [join(root, 'scripts', 'build-plugin-host.mjs')])) {
    console.error('setup: building main/, preload/, renderer/ or the plugin host script failed (see above).');
    process.exit(1);
  }
}

if (!existsSync(join(root, 'node_modules'))) say('first set-up of this checkout: npm dependencies, then native/ with cargo (a few minutes; up to about 15 on a busy 2-core machine)');
dependencies();
electronBinary();
systemPackages();
native();
frontends();
typescript();
say('ready');
