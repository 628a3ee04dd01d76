import type { AuditEntry, ChangeKind } from './entry';

/** What an audit record is about: the kinds of decision the host makes and writes down. */
export type AuditKind = 'network' | 'file' | 'program' | 'plugin-call' | 'workflow-step' | 'panel-message' | 'user-change';
export const AUDIT_KINDS: readonly AuditKind[] = ['network', 'file', 'program', 'plugin-call', 'workflow-step', 'panel-message', 'user-change'];

/**
 * How a record ended, which is also its colour everywhere: denied and failed red, asked amber,
 * allowed green; a change the user made is `changed`, whichever way it went.
 */
export type AuditOutcome = 'denied' | 'failed' | 'allowed' | 'pending' | 'changed';

/** One request or decision with everything written about it: its decision, its outcome, every hop. */
export interface AuditRecord {
  requestId: string;
  time: string;
  pluginId: string;
  kind: AuditKind;
  method: string;
  url: string;
  /** The host a network request went to (from its first hop), for searching. */
  host: string;
  decision: 'allow' | 'deny';
  rule: string;
  reason: string;
  /** The user's answer, when a prompt decided it. */
  prompt: AuditEntry['prompt'] | null;
  /** For a user change: its kind and who made it (`panel`, `command line`, `host`). */
  change: ChangeKind | null;
  by: string | null;
  outcome: AuditOutcome;
  status: number | null;
  bytes: number | null;
  bytesSent: number | null;
  durationMs: number | null;
  error: string | null;
  /** Every line of it in the order written: decisions and outcomes of each hop of a redirect chain. */
  entries: AuditEntry[];
}

export interface AuditFilter {
  pluginId?: string;
  kind?: AuditKind;
  decision?: 'allow' | 'deny';
  /** Part of the host name (network records). */
  host?: string;
  /** Part of the URL, path or program, case-insensitive. */
  text?: string;
  rule?: string;
  since?: string;
  until?: string;
}

export function kindOf(method: string): AuditKind {
  switch (method) {
    case 'FILE':
      return 'file';
    case 'SPAWN':
      return 'program';
    case 'INVOKE':
      return 'plugin-call';
    case 'STEP':
      return 'workflow-step';
    case 'IPC':
      return 'panel-message';
    case 'CHANGE':
      return 'user-change';
    default:
      return 'network';
  }
}

/** `scheme://host:port` of a URL, the port written out; '' for what is not a URL. */
export function originOf(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    return `${u.protocol}//${u.hostname}:${port}`;
  } catch {
    return '';
  }
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.hostname : '';
  } catch {
    return '';
  }
}

// Kinds whose allowed decision is followed by a line saying how the work went.
const WITH_OUTCOME = new Set<AuditKind>(['network', 'program', 'workflow-step']);

/** A new record from its first line. */
function start(e: AuditEntry): AuditRecord {
  return {
    requestId: e.requestId,
    time: e.time,
    pluginId: e.pluginId,
    kind: kindOf(e.method),
    method: e.method,
    url: e.url,
    // A change about an origin (a grant of it) is found by its host too.
    host: kindOf(e.method) === 'network' || kindOf(e.method) === 'user-change' ? hostOf(e.url) : '',
    decision: e.decision,
    rule: e.rule,
    reason: e.reason,
    prompt: e.prompt ?? null,
    change: e.change ?? null,
    by: e.by ?? null,
    outcome: 'pending',
    status: null,
    bytes: null,
    bytesSent: null,
    durationMs: null,
    error: null,
    entries: [],
  };
}

/**
 * Folds one line into its record. The record's decision is the last hop's (a redirect refused
 * later denies the whole request); its outcome, the last outcome written.
 */
export function fold(record: AuditRecord, e: AuditEntry): void {
  record.entries.push(e);
  if (e.event === 'decision') {
    record.decision = e.decision;
    record.rule = e.rule;
    record.reason = e.reason;
    if (e.prompt) record.prompt = e.prompt;
    if (record.kind === 'user-change') record.outcome = 'changed';
    else if (e.decision === 'deny') record.outcome = 'denied';
    // File access, plugin calls and panel messages write their decision only: it is their outcome.
    else if (!WITH_OUTCOME.has(record.kind)) record.outcome = 'allowed';
    return;
  }
  record.outcome = e.event === 'error' ? (e.decision === 'deny' ? 'denied' : 'failed') : 'allowed';
  record.status = e.status ?? record.status;
  record.bytes = e.bytes ?? record.bytes;
  record.bytesSent = e.bytesSent ?? record.bytesSent;
  record.durationMs = e.durationMs ?? record.durationMs;
  record.error = e.error ?? null;
}

export function matches(r: AuditRecord, f: AuditFilter): boolean {
  if (f.pluginId && r.pluginId !== f.pluginId) return false;
  if (f.kind && r.kind !== f.kind) return false;
  if (f.decision && r.decision !== f.decision) return false;
  if (f.host && !r.host.includes(f.host.toLowerCase())) return false;
  if (f.text && !r.url.toLowerCase().includes(f.text.toLowerCase())) return false;
  if (f.rule && !r.rule.includes(f.rule)) return false;
  if (f.since && r.time < f.since) return false;
  if (f.until && r.time > f.until) return false;
  return true;
}

/**
 * Every audit line folded into records, in the order they began, kept in memory for the panels
 * (a hundred thousand lines take tens of megabytes; filtering them, milliseconds).
 */
export class AuditIndex {
  private readonly records: AuditRecord[] = [];
  private readonly byId = new Map<string, AuditRecord>();

  add(e: AuditEntry): void {
    let r = this.byId.get(e.requestId);
    if (!r) {
      r = start(e);
      this.byId.set(e.requestId, r);
      this.records.push(r);
    }
    fold(r, e);
  }

  /** The records that match, newest first: `total` of them, `records` from `offset`. */
  query(filter: AuditFilter, offset: number, limit: number): { total: number; records: AuditRecord[] } {
    const all = this.matching(filter);
    return { total: all.length, records: all.slice(offset, offset + limit) };
  }

  matching(filter: AuditFilter): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i] as AuditRecord;
      if (matches(r, filter)) out.push(r);
    }
    return out;
  }
}

const CSV_COLUMNS = ['time', 'pluginId', 'kind', 'method', 'url', 'decision', 'rule', 'reason', 'prompt', 'change', 'by', 'outcome', 'status', 'bytes', 'bytesSent', 'durationMs', 'error', 'requestId'] as const;

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // Quote every field that needs it; a leading = + - @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Records as CSV, one line per record (its decision and outcome together), oldest first. */
export function toCsv(records: readonly AuditRecord[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of [...records].reverse()) lines.push(CSV_COLUMNS.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Records as the audit file holds them: every line of each, oldest first. */
export function toJsonLines(records: readonly AuditRecord[]): string {
  let out = '';
  for (const r of [...records].reverse()) for (const e of r.entries) out += `${JSON.stringify(e)}\n`;
  return out;
}

/**
 * The index of an audit file: read once, the first time a panel asks, then kept up to date from the
 * lines the host appends.
 */
export function auditIndexOf(log: { query(): AuditEntry[]; follow(listener: (e: AuditEntry) => void): void }): () => AuditIndex {
  let index: AuditIndex | undefined;
  return () => {
    if (!index) {
      const built = new AuditIndex();
      for (const e of log.query()) built.add(e);
      log.follow((e) => built.add(e));
      index = built;
    }
    return index;
  };
}
