import { dirname } from 'node:path';
import type { AuditLog } from '../audit/log';
import type { GrantStore } from '../grants/store';
import { decideFromAnswer } from '../grants/prompt-answer';
import { describeLasting } from '../grants/terms';
import type { PluginAuthority } from '../plugins/authority';
import type { PromptService } from '../prompts/service';
import type { PromptOutcome } from '../prompts/prompt-types';

/** A plugin's access to a file or folder outside its data folder, by its real path (links resolved). */
export interface FileRequest {
  /** The plugin asking, with the folder grants it holds now. */
  plugin: PluginAuthority;
  path: string;
  write: boolean;
  /** The folder an "allow always" covers: by default the one holding `path`. */
  folder?: string;
  /** What the access is for, when it is not the plugin's own file call (e.g. "to run git there"). */
  purpose?: string;
}

/** Allowed: `lasting` when a grant now covers it (an existing one, or the prompt's answer), not only this once. */
export type FileReply = { ok: true; lasting: boolean } | { ok: false; message: string };

/**
 * `filesystem_read` and `filesystem_write` (tier Sensitive) are approved at install and confirmed
 * on first use per folder (contract §2.5): a folder grant covers everything below it, and a write
 * grant covers reading too. Every decision is audited, and when it cannot be, the access is refused.
 */
export async function decideFileAccess(
  req: FileRequest,
  deps: { grants: Pick<GrantStore, 'touch' | 'addFile' | 'addDenial' | 'denialOf'>; prompts: PromptService; audit: AuditLog },
): Promise<FileReply> {
  const permission = req.write ? 'filesystem_write' : 'filesystem_read';
  const access = req.write ? 'write' : 'read';
  const { pluginId, name: pluginName } = req.plugin;
  const covering = req.plugin.grants.files.find((g) => (g.permission === permission || g.permission === 'filesystem_write') && (req.path === g.folder || req.path.startsWith(`${g.folder}/`)));
  let prompt: PromptOutcome | undefined;
  let allowed = covering !== undefined;
  let lasting = covering !== undefined;
  let rule = covering ? 'grant' : '';
  let reason = covering ? `the user allowed ${covering.folder}/ ${describeLasting(covering.lasts)} (${covering.via}, ${covering.createdAt})` : '';
  if (covering) deps.grants.touch(covering.id);
  // The user's "Deny always" answers for them: no prompt, refused until they revoke it.
  const denial = covering ? undefined : deps.grants.denialOf(pluginId, { path: req.path, write: req.write });
  if (denial) {
    deps.grants.touch(denial.id);
    rule = 'grant:deny';
    reason = `the user denied ${access} access to ${(denial as { folder: string }).folder}/ always (${denial.via}, ${denial.createdAt}); revoking that in Grants lets the plugin ask again`;
  }
  if (!covering && !denial) {
    const folder = req.folder ?? dirname(req.path);
    const asked = await deps.prompts.askWho({
      kind: 'file',
      pluginId,
      pluginName,
      permission,
      access,
      path: req.path,
      folder,
      purpose: req.purpose,
      tier: 'Sensitive',
      reason: `first ${access} of plugin ${pluginId} in ${folder}/${req.purpose ? ` ${req.purpose}` : ''}: ${permission} needs the user's confirmation per folder`,
    });
    prompt = asked.outcome;
    const answered = decideFromAnswer(
      prompt,
      deps.prompts,
      (terms) => deps.grants.addFile({ pluginId, permission, folder, ...terms }, asked.by),
      (terms) => deps.grants.addDenial({ pluginId, permission: 'deny', denied: permission, folder, ...terms }, asked.by),
    );
    allowed = answered.allowed;
    lasting = answered.allowed && answered.lasts !== null;
    rule = answered.allowed && answered.lasts ? 'grant' : `prompt:${prompt}`;
    reason = !answered.allowed
      ? `the user did not allow ${access} access to ${req.path}: ${answered.why}`
      : answered.lasts
        ? `the user allowed ${folder}/ ${describeLasting(answered.lasts)} (grant ${answered.grantId})`
        : 'the user allowed this access once';
  }
  try {
    deps.audit.appendDecision({
      pluginId,
      method: 'FILE',
      url: `file://${req.path}`,
      decision: allowed ? 'allow' : 'deny',
      rule,
      reason,
      grantId: covering?.id,
      prompt,
    });
  } catch (e) {
    return { ok: false, message: `the audit log cannot be written (${(e as Error).message}), so the access was refused` };
  }
  return allowed ? { ok: true, lasting } : { ok: false, message: reason };
}
