/** The audit file's lines and queries as every reader sees them. Pure: no Node, so panels share it. */

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
  decision: 'allow' | 'deny';
  rule: string;
  reason: string;
  grantId?: string;
  prompt?: 'allow-once' | 'allow-session' | 'allow-day' | 'allow-always' | 'deny' | 'timeout' | 'unavailable';
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
