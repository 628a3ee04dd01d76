import { readlinkSync } from 'node:fs';
import { NAMESPACES, type NamespaceIds } from './proof';

/** The namespaces of the calling process, as `/proc/self/ns` names them (none off Linux). */
export function readNamespaces(): NamespaceIds {
  const ids: NamespaceIds = {};
  for (const kind of NAMESPACES) {
    try {
      ids[kind] = readlinkSync(`/proc/self/ns/${kind}`);
    } catch {
      // not on Linux, or /proc is not mounted: the proof then fails, as it should
    }
  }
  return ids;
}
