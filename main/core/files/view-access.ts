import type { AuditLog } from '../audit/log';
import type { GrantStore } from '../grants/store';
import type { ServedPlugin } from '../plugins/authority';
import type { PromptService } from '../prompts/service';
import { grantProblem, type ViewGrant } from '../sandbox/grant-view';
import type { ViewAccessRequest } from '../sandbox/supervisor-link';
import { decideFileAccess } from './file-access';
import { isWithin } from './real-path';

export interface ViewDecision {
  allow: boolean;
  /** Allowed "this time" only: the folder to mount while the plugin does what it is doing now. */
  once?: ViewGrant;
}

/**
 * Main's decision on a plugin's call that names a path outside its sandbox's view (design §8.1;
 * the supervisor asks, the call waits). The host's own state and code are refused whatever was
 * granted; then the plugin must hold `filesystem_read` or `filesystem_write` for that kind of
 * access; then a grant covering the path decides, or the user is asked for its folder (the
 * per-folder prompt of `ctx.fs()` and programs alike). Every decision is audited. Main only
 * decides: the supervisor mounts what was allowed and the call goes on in the kernel's view.
 */
export async function decideViewAccess(
  plugin: ServedPlugin,
  req: ViewAccessRequest,
  deps: { grants: Pick<GrantStore, 'touch' | 'addFile' | 'addDenial' | 'denialOf'>; prompts: PromptService; audit: AuditLog; protectedRoots: readonly string[] },
): Promise<ViewDecision> {
  const { authority } = plugin;
  const access = req.write ? 'write' : 'read';
  // Decided on where the folder really is (the supervisor resolved its links on the host).
  const path = isWithin(req.path, req.folder) ? `${req.realFolder}${req.path.slice(req.folder.length)}` : req.realFolder;
  const refuse = (rule: string, reason: string): ViewDecision => {
    deps.audit.refuse({ pluginId: authority.pluginId, method: 'FILE', url: `file://${path}`, rule, reason: `${access} (${req.call}): ${reason}` });
    return { allow: false };
  };
  const host = deps.protectedRoots.find((root) => isWithin(req.path, root) || isWithin(path, root));
  if (host) return refuse('host-state', `${path} belongs to HaloForge Host itself (${host}), which no plugin may reach`);
  const permission = req.write ? 'filesystem_write' : 'filesystem_read';
  const holds = req.write ? authority.holds('filesystem_write') : authority.holds('filesystem_read') || authority.holds('filesystem_write');
  if (!holds) return refuse(permission, `${req.write ? 'writing' : 'reading'} ${path} needs the ${permission} permission`);
  const tooWide = grantProblem(req.realFolder, req.write);
  if (tooWide) return refuse('top-level', `${path}: ${tooWide}`);
  const decided = await decideFileAccess({ plugin: authority, path, write: req.write, folder: req.realFolder }, deps);
  if (!decided.ok) return { allow: false };
  return decided.lasting ? { allow: true } : { allow: true, once: { path: req.realFolder, write: req.write } };
}
