import { existsSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import type { RecordChange } from '../audit/changes';
import type { GrantStore } from '../grants/store';
import type { Logger } from '../log/logger';
import { grantProblem } from '../sandbox/grant-view';
import { isWithin, realPath } from './real-path';
import type { UserFileGrant, UserGrantResult } from './user-grant-types';

/**
 * Grants exactly what the user named, as a dialog pick does: by its real path, never the host's
 * own state or code, never writing in all of a top-level folder. The running plugin's view gets it
 * at once (through the grant store, or `allowOnce` for "once").
 */
export function grantByUser(
  req: UserFileGrant,
  deps: {
    grants: Pick<GrantStore, 'addFile'>;
    protectedRoots: readonly string[];
    logger: Logger;
    installed: (pluginId: string) => boolean;
    allowOnce: (pluginId: string, grant: { path: string; write: boolean }) => boolean;
    /** A "once" grant never reaches the store, so it is written down here. */
    recordChange: RecordChange;
  },
): UserGrantResult {
  if (!deps.installed(req.pluginId)) throw new Error(`no plugin ${req.pluginId} is installed`);
  if (!isAbsolute(req.path)) throw new Error(`${req.path} is not an absolute path`);
  const path = realPath(normalize(req.path));
  const host = deps.protectedRoots.find((root) => isWithin(path, root));
  if (host) throw new Error(`${path} holds HaloForge Host's own data or code (${host}), which no plugin may be given`);
  if (!req.write && !existsSync(path)) throw new Error(`${path} does not exist, so there is nothing to read there`);
  const tooWide = grantProblem(path, req.write);
  if (tooWide) throw new Error(tooWide);
  const what = `${req.write ? 'changing' : 'reading'} ${path}`;
  if (req.lasts === 'once') {
    if (!deps.allowOnce(req.pluginId, { path, write: req.write })) throw new Error(`plugin ${req.pluginId} is not running: "once" lasts while a running plugin runs its next command`);
    deps.logger.log('info', req.pluginId, `${req.by} allowed ${what} once`);
    deps.recordChange({ change: 'grant-given', pluginId: req.pluginId, subject: `file://${path}`, what: `granted ${what}/ for the next command only (granted by ${req.by})`, decision: 'allow', by: req.by });
    return { path, write: req.write, lasts: 'once', grant: null };
  }
  const grant = deps.grants.addFile({ pluginId: req.pluginId, permission: req.write ? 'filesystem_write' : 'filesystem_read', folder: path, via: `granted by ${req.by}`, lasts: req.lasts }, req.by);
  deps.logger.log('info', req.pluginId, `${req.by} granted ${what} (${req.lasts})`);
  return { path, write: req.write, lasts: req.lasts, grant };
}
