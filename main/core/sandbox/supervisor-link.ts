import type { Duplex } from 'node:stream';
import type { ProgramDecision, ProgramOutcome } from '../processes/program-service';
import type { ProgramRequest } from '../processes/program-rules';
import type { SupervisorStart, ViewAsk, ViewGrant } from './grant-view';

/** A call of the plugin that names a path outside its view, waiting for main's decision. */
export interface ViewAccessRequest {
  /** The system call, e.g. `openat`. */
  call: string;
  /** The path as the plugin named it (absolute, normalized). */
  path: string;
  write: boolean;
  /** The path names a folder (a working folder to change to), not a file in one. */
  namesFolder: boolean;
  /** The folder an answer would cover, as the plugin named it and where it really is. */
  folder: string;
  realFolder: string;
}

/** A grant the supervisor could not mount (gone, inside the host's own folders…), and why. */
export interface Unmounted {
  path: string;
  why: string;
  /** It does not exist (a file chosen to be saved, one deleted since): expected, not a fault. */
  missing: boolean;
}

type FromSupervisor =
  | { type: 'ready'; pid: number; unmounted: Unmounted[] }
  | { type: 'applied'; seq: number; unmounted: Unmounted[] }
  | ({ type: 'access'; id: number } & ViewAccessRequest)
  | ({ type: 'program'; id: number } & ProgramRequest)
  | ({ type: 'program-ended'; id: number } & ProgramOutcome)
  | { type: 'held-open'; paths: string[] }
  | { type: 'problem'; message: string };

export interface SupervisorHooks {
  /** Decides a call outside the view; true lets it go on (after what it needs was granted and sent). */
  onAccess(request: ViewAccessRequest): Promise<boolean>;
  onUnmounted(unmounted: Unmounted[]): void;
  onProblem(message: string): void;
  /**
   * The sandbox held these open when a grants update took them away, and the supervisor stopped
   * it (what was opened through a mount keeps reaching the file after the mount is gone).
   */
  onHeldOpen(paths: string[]): void;
  /** Decides what a program shim's request runs, if anything (see processes/program-service). */
  onProgram(request: ProgramRequest): ProgramDecision;
}

const MAX_FRAME = 1 << 20;

/**
 * Main's side of a supervisor's control socket (native/supervisor/src/protocol.rs): frames of a
 * 4-byte little-endian length and JSON. The supervisor runs outside the sandbox, so no plugin code
 * can write here; a frame that cannot be read still ends the link rather than main.
 */
export class SupervisorLink {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private closed = false;
  private seq = 0;
  /** Grants waiting to be sent until the supervisor is ready; only the latest counts. */
  private queued: { grants: ViewGrant[]; ask: ViewAsk; seq: number } | undefined;
  private readonly waiters: Array<{ seq: number; done: () => void }> = [];
  /** Programs started for shims, by the supervisor's id, until they end. */
  private readonly runs = new Map<number, (outcome: ProgramOutcome) => void>();

  constructor(
    private readonly stream: Duplex,
    start: SupervisorStart,
    private readonly hooks: SupervisorHooks,
  ) {
    stream.on('data', (chunk: Buffer) => this.read(chunk));
    stream.on('close', () => this.close());
    stream.on('error', () => this.close());
    this.write(start);
  }

  /**
   * Makes `grants` the sandbox's grants. Resolves once they are mounted (and what was revoked is
   * gone), so a command sent after it finds the view as it is now.
   */
  setGrants(grants: ViewGrant[], ask: ViewAsk): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.seq += 1;
    const update = { grants, ask, seq: this.seq };
    if (this.started) this.write({ type: 'grants', ...update });
    else this.queued = update;
    return new Promise((done) => this.waiters.push({ seq: update.seq, done }));
  }

  private write(message: object): void {
    if (this.closed || !this.stream.writable) return;
    const body = Buffer.from(JSON.stringify(message));
    const header = Buffer.alloc(4);
    header.writeUInt32LE(body.length, 0);
    this.stream.write(Buffer.concat([header, body]));
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32LE(0);
      if (length > MAX_FRAME) return this.broken(`a frame of ${length} bytes`);
      if (this.buffer.length < 4 + length) return;
      const body = this.buffer.subarray(4, 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(4 + length);
      let message: FromSupervisor;
      try {
        message = JSON.parse(body) as FromSupervisor;
      } catch {
        return this.broken('a frame that is not JSON');
      }
      this.handle(message);
    }
  }

  private handle(m: FromSupervisor): void {
    switch (m.type) {
      case 'ready':
        this.started = true;
        if (m.unmounted.length > 0) this.hooks.onUnmounted(m.unmounted);
        if (this.queued) this.write({ type: 'grants', ...this.queued });
        this.queued = undefined;
        return;
      case 'applied':
        if (m.unmounted.length > 0) this.hooks.onUnmounted(m.unmounted);
        this.settle(m.seq);
        return;
      case 'access': {
        const { id, call, path, write, namesFolder, folder, realFolder } = m;
        // A decision that fails is a refusal; the call is always answered.
        void this.hooks.onAccess({ call, path, write, namesFolder, folder, realFolder }).then(
          (allow) => this.write({ type: 'decision', id, allow }),
          (e: Error) => {
            this.hooks.onProblem(`deciding ${call} ${path} failed: ${e.message}`);
            this.write({ type: 'decision', id, allow: false });
          },
        );
        return;
      }
      case 'program': {
        const { id, program, args, cwd, env } = m;
        let decision: ProgramDecision;
        try {
          decision = this.hooks.onProgram({ program, args, cwd, env });
        } catch (e) {
          decision = { refusal: `deciding on ${program} failed: ${(e as Error).message}` };
        }
        if ('refusal' in decision) return this.write({ type: 'program', id, refusal: decision.refusal });
        this.runs.set(id, decision.ended);
        this.write({ type: 'program', id, run: decision.run });
        return;
      }
      case 'program-ended': {
        const ended = this.runs.get(m.id);
        this.runs.delete(m.id);
        ended?.({ code: m.code, signal: m.signal, ms: m.ms, error: m.error });
        return;
      }
      case 'held-open':
        this.hooks.onHeldOpen(m.paths);
        return;
      case 'problem':
        this.hooks.onProblem(m.message);
        return;
      default:
        this.hooks.onProblem(`the supervisor sent a message of unknown type ${JSON.stringify(String((m as { type?: unknown }).type))}`);
    }
  }

  private settle(upTo: number): void {
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      const w = this.waiters[i] as { seq: number; done: () => void };
      if (w.seq <= upTo) {
        this.waiters.splice(i, 1);
        w.done();
      }
    }
  }

  private broken(what: string): void {
    this.hooks.onProblem(`the supervisor sent ${what}; its link was closed`);
    this.stream.destroy();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.settle(Number.MAX_SAFE_INTEGER);
    // Programs end with their supervisor (bubblewrap dies with its parent): say so for each.
    for (const ended of this.runs.values()) ended({ code: null, signal: null, ms: 0, error: 'the plugin host stopped while it ran' });
    this.runs.clear();
  }
}
