import { grantScope, type Grant } from '../grants/grant-types';
import type { GrantChange } from '../grants/store';
import { describeLasting } from '../grants/terms';
import { HOST_TARGET, type Logger } from '../log/logger';
import type { ChangeKind } from './entry';
import type { AuditLog } from './log';

/** One change the user made (or the host made for them), before it becomes an audit record. */
export interface UserChange {
  change: ChangeKind;
  pluginId: string;
  /** What it is about: an origin, `file://` and a folder, `permission:<key>`, `plugin://<id>`. */
  subject: string;
  /** What changed, in words a reviewer reads: from what to what, and how it was given. */
  what: string;
  /** `allow` when the plugin may do more now, `deny` when less. */
  decision: 'allow' | 'deny';
  /** `panel`, `command line`, or `host`. */
  by: string;
  grantId?: string;
}

export type RecordChange = (c: UserChange) => void;

/**
 * Writes each change as an audit record of kind `user-change`. The change has already happened (a
 * record cannot undo it), so a record that cannot be written goes to the app log instead, whole.
 */
export function changeRecorder(audit: AuditLog, logger: Logger): RecordChange {
  return (c) => {
    try {
      audit.appendDecision({ pluginId: c.pluginId, method: 'CHANGE', url: c.subject, decision: c.decision, rule: `user:${c.change}`, reason: c.what, change: c.change, by: c.by, ...(c.grantId ? { grantId: c.grantId } : {}) });
    } catch (e) {
      logger.log('error', HOST_TARGET, `a change could not be written to the audit file (${(e as Error).message}): ${c.change} of ${c.pluginId} by ${c.by}: ${c.what}`);
    }
  };
}

/** What a grant is about, as a change record's subject: the origin, or the folder as a file URL. */
function subjectOf(g: Grant): string {
  return 'folder' in g ? `file://${g.folder}` : `${g.scheme}://${g.host}:${g.port}`;
}

const isDenial = (g: Grant) => g.permission === 'deny';

function described(g: Grant): string {
  return `${grantScope(g)} ${describeLasting(g.lasts)}`;
}

/** A change the grant store reported, as the record it becomes. */
export function grantChangeRecord(c: GrantChange): UserChange {
  if (!('grant' in c)) {
    const on = c.change === 'local-network-on';
    return {
      change: c.change,
      pluginId: c.pluginId,
      subject: 'network:local',
      what: on ? 'local network access turned on: loopback and private addresses may be granted' : 'local network access turned off: loopback and private addresses are refused',
      decision: on ? 'allow' : 'deny',
      by: c.by,
    };
  }
  const g = c.grant;
  const base = { change: c.change, pluginId: g.pluginId, subject: subjectOf(g), by: c.by, grantId: g.id };
  switch (c.change) {
    case 'grant-given':
      if (isDenial(g)) return { ...base, what: `denied ${grantScope(g)} always: the plugin is not asked again until this is revoked (${g.via})`, decision: 'deny' };
      return { ...base, what: `granted ${described(g)} (${g.via})`, decision: 'allow' };
    case 'grant-revoked':
      if (isDenial(g)) return { ...base, what: `revoked the denial of ${grantScope(g)}: the plugin may ask again (${g.via}, given ${g.createdAt})`, decision: 'allow' };
      return { ...base, what: `revoked the grant of ${described(g)} (${g.via}, given ${g.createdAt})`, decision: 'deny' };
    case 'grant-expired':
      return { ...base, what: `the grant of ${grantScope(g)} ran out at ${g.expiresAt ?? ''} (${g.via}, given ${g.createdAt})`, decision: 'deny' };
    case 'grant-narrowed':
      return { ...base, what: `narrowed ${described(c.before)} to ${described(g)}${g.expiresAt && !c.before.expiresAt ? `, until ${g.expiresAt}` : ''}`, decision: 'deny' };
  }
}
