import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, writeSync } from 'node:fs';
import type { AuditEntry, AuditQuery } from './entry';
import { forEachLine } from './lines';

/** The append-only audit trail, `audit.jsonl` in the data folder. */
export class AuditLog {
  private readonly followers: Array<(entry: AuditEntry) => void> = [];

  constructor(
    private readonly path: string,
    /** Told of every entry once it is on disk (the live network activity view). */
    onAppend?: (entry: AuditEntry) => void,
    /** Told when a refusal could not be written (see `refuse`): the app log says so. */
    private readonly onRefusalLost?: (entry: Omit<AuditEntry, 'time' | 'requestId' | 'hop' | 'event'>, error: Error) => void,
  ) {
    if (onAppend) this.followers.push(onAppend);
  }

  /**
   * The one way a refusal is written down, wherever it was decided (a panel's message, a plugin
   * host's, a file, a cross-plugin call, an Electron frame). The refusal stands whether or not it
   * could be written; a failure to write it goes to `onRefusalLost`, never to the caller. (An
   * allowed decision that cannot be written is refused by its caller instead: see `appendDecision`.)
   */
  refuse(entry: Omit<AuditEntry, 'time' | 'requestId' | 'hop' | 'event' | 'decision'>): void {
    const refusal = { ...entry, decision: 'deny' as const };
    try {
      this.appendDecision(refusal);
    } catch (e) {
      this.onRefusalLost?.(refusal, e as Error);
    }
  }

  /** Tells `listener` of every entry from now on, once it is on disk. */
  follow(listener: (entry: AuditEntry) => void): void {
    this.followers.push(listener);
  }

  // Opened once in append mode: every request writes a line or two, and reopening the file for
  // each would cost more than the decision itself.
  private fd: number | undefined;

  private later: Array<{ entry: AuditEntry; onLaterFailure: (e: Error) => void }> = [];

  // Decisions waiting for the write that lets their requests go out, shared by all made in one turn.
  private soon: { entries: AuditEntry[]; written: Promise<void>; settle: (error?: Error) => void } | undefined;

  /**
   * Appends an entry that records what already happened (a response, an error) without making the
   * caller wait: entries queued in the same turn of the event loop go out in one write. A failure
   * is reported to `onLaterFailure`; there is no request left to refuse.
   */
  appendLater(entry: AuditEntry, onLaterFailure: (e: Error) => void): void {
    if (this.later.length === 0) setImmediate(() => this.writeLater());
    this.later.push({ entry, onLaterFailure });
  }

  /** Writes what `appendLater` holds; a failure goes to each entry's own handler. */
  private writeLater(): void {
    const batch = this.later;
    this.later = [];
    if (batch.length === 0) return;
    try {
      this.write(batch.map((b) => b.entry));
    } catch (e) {
      for (const b of batch) b.onLaterFailure(e as Error);
    }
  }

  /**
   * Appends an entry that must be on disk before its request is sent, and resolves once it is;
   * rejects when it cannot be written, and then nothing may be sent. Entries appended in the same
   * turn of the event loop (a burst of requests) go out in one write, instead of one each.
   */
  appendBeforeSending(entry: AuditEntry): Promise<void> {
    if (!this.soon) {
      let settle!: (error?: Error) => void;
      const written = new Promise<void>((resolve, reject) => {
        settle = (error) => (error ? reject(error) : resolve());
      });
      const batch = { entries: [] as AuditEntry[], written, settle };
      this.soon = batch;
      queueMicrotask(() => {
        this.soon = undefined;
        try {
          this.appendAll(batch.entries);
          batch.settle();
        } catch (e) {
          batch.settle(e as Error);
        }
      });
    }
    this.soon.entries.push(entry);
    return this.soon.written;
  }

  /**
   * Appends a decision that stands on its own (file, process, cross-plugin and IPC decisions; not a
   * hop of an HTTP request). Throws when it cannot be written.
   */
  appendDecision(entry: Omit<AuditEntry, 'time' | 'requestId' | 'hop' | 'event'>): void {
    this.append({ time: new Date().toISOString(), requestId: randomUUID(), hop: 0, event: 'decision', ...entry });
  }

  /** Appends one entry. Throws when it cannot be written: callers fail the request closed. */
  append(entry: AuditEntry): void {
    this.appendAll([entry]);
  }

  private appendAll(entries: AuditEntry[]): void {
    // Queued outcomes go first, so the file stays in the order things happened.
    if (this.later.length === 0) return this.write(entries);
    const queued = this.later;
    this.later = [];
    try {
      this.write(queued.map((q) => q.entry).concat(entries));
    } catch (e) {
      for (const q of queued) q.onLaterFailure(e as Error);
      throw e;
    }
  }

  private write(entries: AuditEntry[]): void {
    let text = '';
    for (const e of entries) text += `${JSON.stringify(e)}\n`;
    // A file deleted or moved away under a running host would swallow every later line: reopen.
    if (this.fd !== undefined && fstatSync(this.fd).nlink === 0) this.closeFile();
    this.fd ??= openSync(this.path, 'a', 0o600);
    try {
      // One write call per batch of whole lines, so lines never interleave or tear.
      if (writeSync(this.fd, text) !== Buffer.byteLength(text)) throw new Error('short write to the audit file');
    } catch (e) {
      this.closeFile();
      throw e;
    }
    for (const e of entries) for (const f of this.followers) f(e);
  }

  /** Writes what is queued, then closes the file. */
  close(): void {
    this.writeLater();
    this.closeFile();
  }

  private closeFile(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Every entry on file that matches, the outcomes `appendLater` still held included (written first). */
  query(q: AuditQuery = {}): AuditEntry[] {
    this.writeLater();
    if (!existsSync(this.path)) return [];
    const entries: AuditEntry[] = [];
    forEachLine(this.path, (line) => {
      if (!line.trim()) return;
      let e: AuditEntry;
      try {
        e = JSON.parse(line) as AuditEntry;
      } catch {
        return; // a torn last line after a crash: skip it rather than hide the rest
      }
      const t = new Date(e.time);
      if (q.pluginId && e.pluginId !== q.pluginId) return;
      if (q.decision && e.decision !== q.decision) return;
      if (q.since && t < q.since) return;
      if (q.until && t > q.until) return;
      entries.push(e);
    });
    return entries;
  }
}
