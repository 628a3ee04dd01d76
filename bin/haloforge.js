#!/usr/bin/env node
// Runs the built command line; builds it first on a fresh clone.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  const setup = spawnSync(process.execPath, [join(root, 'scripts', 'setup.mjs'), '--quiet'], { stdio: ['ignore', process.stderr, 'inherit'] });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
}
await import(cli);
