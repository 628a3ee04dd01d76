import { appendFileSync, existsSync, readFileSync } from 'node:fs';

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
  prompt?: 'allow-once' | 'allow-always' | 'deny' | 'timeout' | 'unavailable';
  status?: number;
  bytes?: number;
  durationMs?: number;
  error?: string;
}

export interface AuditQuery {
  pluginId?: string;
  decision?: 'allow' | 'deny';
  since?: Date;
  until?: Date;
}

/** The append-only audit trail, `audit.jsonl` in the data folder. */
export class AuditLog {
  constructor(private readonly path: string) {}

  /** Appends one entry. Throws when it cannot be written: callers fail the request closed. */
  append(entry: AuditEntry): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }

  query(q: AuditQuery = {}): AuditEntry[] {
    if (!existsSync(this.path)) return [];
    const entries: AuditEntry[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let e: AuditEntry;
      try {
        e = JSON.parse(line) as AuditEntry;
      } catch {
        continue; // a torn last line after a crash: skip it rather than hide the rest
      }
      const t = new Date(e.time);
      if (q.pluginId && e.pluginId !== q.pluginId) continue;
      if (q.decision && e.decision !== q.decision) continue;
      if (q.since && t < q.since) continue;
      if (q.until && t > q.until) continue;
      entries.push(e);
    }
    return entries;
  }
}
