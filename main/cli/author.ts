/**
 * What a plugin author needs besides the host: `haloforge init` writes the manifest of a new plugin
 * (valid as written, naming the library its crate builds), and `haloforge pack` zips a plugin
 * folder into an `.hfpkg` with the `.sha256` file publishers put beside it. Neither opens the data
 * folder: both work on the author's own folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { zipSync } from 'fflate';
import { userGitIdentity } from '../core/host';
import { APP_COMPAT_VERSION } from '../core/manifest/validate';
import { nativeLibraryPath, parseManifest, readManifest } from '../core/manifest/read';
import { PACKAGE_LIMITS } from '../core/plugins/package';
import { CommandFailed } from './core-client';
import { UsageError, type Output } from './usage';

export const AUTHOR_USAGE = [
  'haloforge init <folder> [--id <reverse.dns.id>] [--name <name>] [--author <name>]   (writes manifest.json for a new plugin)',
  'haloforge pack <folder> [--out <file.hfpkg>]   (zips a plugin folder, with its .sha256 beside it)',
];

/** The crate's package name from a Cargo.toml beside the manifest, if there is one. */
function crateName(folder: string): string | undefined {
  const cargo = join(folder, 'Cargo.toml');
  if (!existsSync(cargo)) return undefined;
  return /^\s*name\s*=\s*"([^"]+)"/m.exec(readFileSync(cargo, 'utf8'))?.[1];
}

function init(folder: string, opts: { id?: string; name?: string; author?: string }, io: Output): number {
  if (!existsSync(folder)) throw new CommandFailed(`haloforge: ${folder} does not exist: make the plugin's folder (cargo new --lib) first`);
  const path = join(folder, 'manifest.json');
  if (existsSync(path)) throw new CommandFailed(`haloforge: ${path} exists already; init writes a manifest only for a plugin that has none`);
  const crate = crateName(folder) ?? basename(resolve(folder));
  const slug = crate.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'my-plugin';
  const manifest = {
    id: opts.id ?? `dev.example.${slug}`,
    name: opts.name ?? slug.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' '),
    version: '0.1.0',
    description: `The ${slug} plugin`,
    // Who the author is, as their git configuration says, unless they say.
    author: opts.author ?? userGitIdentity().name ?? 'Unknown author',
    compatibility: { min_app_version: APP_COMPAT_VERSION, min_host_api_version: '0.2.13', platforms: ['linux'] },
    capability_levels: [4],
    entry: { native: { linux_x64: `native/lib${crate.replace(/-/g, '_')}.so` } },
    permissions: [],
    commands: [],
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  // What init writes must be a manifest the host reads: a bad --id is refused here, not at install.
  const checked = parseManifest(text);
  if (!checked.ok) throw new CommandFailed(`haloforge: that would not be a valid manifest:\n  ${checked.errors.join('\n  ')}`);
  writeFileSync(path, text, { flag: 'wx' });
  io.out(
    `wrote ${path} for ${manifest.name} (${manifest.id})\n` +
      `next: list its commands and permissions there, build it (cargo build --release), copy target/release/lib${crate.replace(/-/g, '_')}.so to ${join(folder, 'native')}/,\n` +
      `then: haloforge install ${folder}   or   haloforge pack ${folder}\n`,
  );
  return 0;
}

/** Every file of a plugin folder, by its path inside it; build output and version control left out. */
function filesOf(folder: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  let count = 0;
  const walk = (dir: string, prefix: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (prefix === '' && ['target', '.git', 'node_modules', 'data'].includes(e.name)) continue;
      if (e.isSymbolicLink()) throw new CommandFailed(`haloforge: ${join(dir, e.name)} is a symbolic link; a package holds files only`);
      if (e.isDirectory()) walk(join(dir, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) {
        if (++count > PACKAGE_LIMITS.maxFiles) throw new CommandFailed(`haloforge: ${folder} holds more than ${PACKAGE_LIMITS.maxFiles} files`);
        files[`${prefix}${e.name}`] = readFileSync(join(dir, e.name));
      }
    }
  };
  walk(folder, '');
  return files;
}

function pack(folder: string, out: string | undefined, io: Output): number {
  const read = readManifest(folder);
  if (!read.ok) throw new CommandFailed(`haloforge: ${folder} has an invalid manifest:\n  ${read.errors.join('\n  ')}`);
  const lib = nativeLibraryPath(folder, read.manifest);
  if (!lib.ok || !existsSync(lib.path)) throw new CommandFailed(`haloforge: ${lib.ok ? `${lib.path} is missing` : lib.error}: build the plugin and copy its library there first`);
  const target = out ?? `${read.manifest.id}-${read.manifest.version}.hfpkg`;
  const bytes = Buffer.from(zipSync(filesOf(folder)));
  writeFileSync(target, bytes);
  const digest = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(`${target}.sha256`, `${digest}  ${basename(target)}\n`);
  io.out(`packed ${read.manifest.name} ${read.manifest.version} (${read.manifest.id}) into ${target} (${bytes.length} bytes)\nsha256 ${digest}, also in ${target}.sha256: publish it where users can check it (haloforge install ${target} --sha256 <digest>)\n`);
  return 0;
}

export async function authorCommand(name: string, argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { id: { type: 'string' }, name: { type: 'string' }, author: { type: 'string' }, out: { type: 'string' } } });
  const [folder] = positionals;
  if (!folder) throw new UsageError(`${name} needs the plugin's folder`);
  return name === 'init' ? init(folder, { id: values.id, name: values.name, author: values.author }, io) : pack(folder, values.out, io);
}
