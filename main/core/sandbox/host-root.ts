import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import type { HostRoot } from './grant-view';

/** The top level of this machine's root: its real folders and its links, as the grant view recreates them. */
export function readHostRoot(): HostRoot {
  const folders: string[] = [];
  const links: Array<{ path: string; target: string }> = [];
  for (const name of readdirSync('/')) {
    const path = `/${name}`;
    try {
      const s = lstatSync(path);
      if (s.isSymbolicLink()) links.push({ path, target: readlinkSync(path) });
      else if (s.isDirectory()) folders.push(path);
    } catch {
      // gone meanwhile
    }
  }
  return { folders: folders.sort(), links };
}
