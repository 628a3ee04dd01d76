import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import type { Host } from '../../main/core/host';
import { tempHome } from './fixtures';

// What a test started or made, undone after it, whether it passed or not.
const hosts: Host[] = [];
const folders: Array<() => void> = [];

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.shutdown();
  for (const remove of folders.splice(0)) remove();
});

/** A fresh folder (a HALOFORGE_HOME, or a scratch place), removed after the test. */
export function scratchHome(): string {
  const t = tempHome();
  folders.push(t.cleanup);
  return t.home;
}

/** Shuts the host down after the test. */
export function tracked(host: Host): Host {
  hosts.push(host);
  return host;
}

/**
 * A folder of the user's (outside any data folder) holding `files` (relative path to text), removed
 * after the test: what a plugin is granted, and where the tests judge what it did.
 */
export function userFolder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hf-user-'));
  folders.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}
