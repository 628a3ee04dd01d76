/** The audit file's lines and queries as every reader sees them. Pure: no Node, so panels share it. */

/**
 * What a user (in a panel or on the command line) or the host on their behalf changed about what a
 * plugin may do: each is a record of its own (method `CHANGE`), saying who, when and what changed.
 */
export type ChangeKind =
  | 'grant-given'
  | 'grant-revoked'
  | 'grant-narrowed'
  | 'grant-expired'
  | 'approval-given'
  | 'approval-revoked'
  | 'restricted-on'
  | 'restricted-off'
  | 'local-network-on'
  | 'local-network-off'
  | 'install'
  | 'upgrade'
  | 'uninstall';

/** One line of the audit file. Never headers or bodies; URLs have secrets removed. */
export interface AuditEntry {
  time: string;
  /** The request this line belongs to; a redirect's hops share it. */
  requestId: string;
  hop: number;
  /** `decision` is written before anything is sent; `response` or `error` after. */
  event: 'decision' | 'response' | 'error';
  pluginId: string;
  method: string;
  url: string;
  /** For a change (method `CHANGE`): `allow` when it lets the plugin do more, `deny` when less. */
  decision: 'allow' | 'deny';
  rule: string;
  reason: string;
  grantId?: string;
  prompt?: 'allow-once' | 'allow-session' | 'allow-day' | 'allow-always' | 'deny' | 'deny-always' | 'timeout' | 'unavailable';
  /** A change's kind, and who made it: `panel`, `command line`, or `host` (a grant that ran out). */
  change?: ChangeKind;
  by?: string;
  status?: number;
  /** Bytes received (response, or from the server through a tunnel). */
  bytes?: number;
  /** Bytes sent to the server through a tunnel. */
  bytesSent?: number;
  durationMs?: number;
  error?: string;
}

export interface AuditQuery {
  pluginId?: string;
  decision?: 'allow' | 'deny';
  since?: Date;
  until?: Date;
}
