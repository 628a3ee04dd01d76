import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, normalize } from 'node:path';

/**
 * Where an absolute path really leads: the symbolic links of its existing part resolved, the rest
 * appended. Decisions are made on this path and the work is done on it, so a link cannot make an
 * allowed folder lead somewhere else.
 */
export function realPath(path: string): string {
  if (!isAbsolute(path)) throw new Error(`not an absolute path: ${path}`);
  const rest: string[] = [];
  for (let p = normalize(path); ; p = dirname(p)) {
    try {
      const real = realpathSync(p);
      return rest.length === 0 ? real : `${real === '/' ? '' : real}/${rest.reverse().join('/')}`;
    } catch {
      if (p === dirname(p)) return normalize(path);
      rest.push(basename(p));
    }
  }
}

/** Whether `path` is `folder` or inside it. */
export function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}
