import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { AuditEntry } from '../audit/entry';
import type { ProgramService } from '../processes/program-service';
import { Refused, type Broker } from '../broker/broker';
import type { GrantStore } from '../grants/store';
import { HOST_TARGET, type Logger } from '../log/logger';
import { withAddresses, type Decision } from '../policy/engine';
import { redactUrl } from '../policy/request-url';
import { CONNECT_ESTABLISHED, MAX_HEAD_BYTES, headEnd, parseProxyHead, proxyRefusal } from './proxy-head';

export interface EgressLimits {
  maxTunnelsPerPlugin: number;
  /** A tunnel with no bytes either way for this long is closed. */
  idleMs: number;
  /** A tunnel open this long is closed, busy or not. */
  maxDurationMs: number;
  /** Bytes both ways together, per tunnel. */
  maxBytes: number;
  connectTimeoutMs: number;
}

/**
 * Connections over the limit are told why (a 429) and held until their client has read it, at most
 * this many at once and this long each; beyond those they are closed unanswered. Either way main
 * holds at most `maxTunnelsPerPlugin` + REFUSALS_AT_ONCE of a plugin's connections, whatever its
 * client does.
 */
const REFUSALS_AT_ONCE = 8;
const REFUSAL_LINGER_MS = 1000;
/** How long a connection over the limit is given to send its request before it is answered anyway. */
const OVER_LIMIT_WAIT_MS = 100;

// A plugin's own client waits as long as it likes (image-studio: 600 s), so the whole-tunnel limit is generous.
export const DEFAULT_EGRESS_LIMITS: EgressLimits = { maxTunnelsPerPlugin: 32, idleMs: 60_000, maxDurationMs: 15 * 60_000, maxBytes: 1024 * 1024 * 1024, connectTimeoutMs: 10_000 };

/**
 * Answers a refused connection and closes it once its client has had the answer: what the client
 * sends meanwhile is read and dropped (closing on unread bytes would reset the connection and could
 * lose the answer), and a client that keeps it open is cut off after REFUSAL_LINGER_MS.
 */
function refuseAndClose(client: Socket, status: number, message: string): void {
  client.setTimeout(REFUSAL_LINGER_MS, () => client.destroy());
  client.resume();
  client.end(proxyRefusal(status, message));
}

interface Tunnel {
  decision: Decision;
  address: string;
  base: Pick<AuditEntry, 'requestId' | 'hop' | 'pluginId' | 'method' | 'url'>;
  finish: (how: string, failed: boolean) => void;
}

/**
 * The egress proxy (design §8, "What main does for it"): main holds each plugin host's listening
 * socket, in that sandbox's network namespace, and takes every connection the plugin's own HTTP
 * client opens on it. Each is decided by the same policy, prompts and grants as `ctx.http()` (no
 * lookup before the decision), connected to the checked address, relayed socket to socket (each
 * side read only as fast as the other is written), limited, and audited: a decision line on disk
 * before connecting, an outcome line when it ends.
 */
export class EgressTunnels {
  private readonly limits: EgressLimits;
  private readonly tunnels = new Map<string, Set<Tunnel>>();
  /** Every connection main holds per plugin, from accept to close: reading a head, decided or refused. */
  private readonly held = new Map<string, number>();
  /** Plugins whose connections are being closed unanswered (logged once per run of them). */
  private readonly dropping = new Set<string>();

  constructor(
    private readonly deps: { broker: Broker; grants: GrantStore; logger: Logger; limits?: Partial<EgressLimits>; programRuns?: Pick<ProgramService, 'named'> },
  ) {
    this.limits = { ...DEFAULT_EGRESS_LIMITS, ...deps.limits };
    // A revoked grant, or local network access turned off, holds for open tunnels too.
    deps.grants.onChange(() => this.reconsider());
  }

  /** Tunnels open now, per plugin (for tests and the bench). */
  openCount(pluginId: string): number {
    return this.tunnels.get(pluginId)?.size ?? 0;
  }

  /** Connections of a plugin that main holds now, in any phase (for tests). */
  heldCount(pluginId: string): number {
    return this.held.get(pluginId) ?? 0;
  }

  /**
   * A plugin's client connected to its proxy: its request head is read, then decided. Counted from
   * here, so a client that connects and says nothing holds no more of main than one that tunnels.
   */
  accept(pluginId: string, client: Socket): void {
    const held = this.heldCount(pluginId);
    const max = this.limits.maxTunnelsPerPlugin;
    if (held >= max + REFUSALS_AT_ONCE) {
      client.destroy();
      if (!this.dropping.has(pluginId)) this.deps.logger.log('warn', pluginId, `egress proxy: closing new connections unanswered, ${held} are open already (the limit is ${max})`);
      this.dropping.add(pluginId);
      return;
    }
    this.held.set(pluginId, held + 1);
    client.once('close', () => {
      const left = this.heldCount(pluginId) - 1;
      this.held.set(pluginId, left);
      if (left < max) this.dropping.delete(pluginId);
    });
    client.on('error', () => client.destroy());
    if (held >= max) return this.refuseOverLimit(pluginId, client, held);
    client.setNoDelay(true);
    // A client that never finishes its head does not hold a connection for ever.
    client.setTimeout(this.limits.connectTimeoutMs, () => client.destroy());
    let buffered = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = headEnd(buffered);
      // A head that does not end in time is parsed as it is, which refuses it.
      if (end === -1 && buffered.length <= MAX_HEAD_BYTES) return;
      client.off('data', onHead);
      client.pause();
      client.setTimeout(0);
      const cut = end === -1 ? buffered.length : end;
      this.open(pluginId, client, buffered.subarray(0, cut), buffered.subarray(cut)).catch((e: Error) => {
        this.deps.logger.log('error', pluginId, `egress connection failed: ${e.message}`);
        client.destroy();
      });
    };
    client.on('data', onHead);
  }

  /**
   * Answers a connection over the limit, and audits that it was refused: once its client has sent
   * something, or after OVER_LIMIT_WAIT_MS if it stays silent. An HTTP client that reads a response
   * before it has written its request takes the connection for broken (hyper: "received unexpected
   * message from connection") and never shows the plugin why.
   */
  private refuseOverLimit(pluginId: string, client: Socket, held: number): void {
    const message = `plugin ${pluginId} already has ${held} connections open through its proxy, the most allowed at once`;
    this.deps.broker.recordOutcome({ requestId: randomUUID(), hop: 0, pluginId, method: 'PROXY', url: '', event: 'decision', decision: 'deny', rule: 'egress:limit', reason: message });
    const answer = () => {
      clearTimeout(silent);
      client.off('data', answer);
      if (!client.destroyed) refuseAndClose(client, 429, message);
    };
    const silent = setTimeout(answer, OVER_LIMIT_WAIT_MS);
    client.on('data', answer);
    client.once('close', () => clearTimeout(silent));
  }

  /** Decides the connection `head` asks for; `early` is what the client sent after its head. */
  private async open(pluginId: string, client: Socket, head: Buffer, early: Buffer): Promise<void> {
    const mine = this.tunnels.get(pluginId) ?? new Set<Tunnel>();
    this.tunnels.set(pluginId, mine);
    const refuse = (status: number, message: string): void => refuseAndClose(client, status, message);
    const parsed = parseProxyHead(head);
    const requestId = randomUUID();
    if (!parsed.ok) {
      this.deps.broker.recordOutcome({ requestId, hop: 0, pluginId, method: 'PROXY', url: '', event: 'decision', decision: 'deny', rule: 'egress:request', reason: parsed.message });
      return refuse(parsed.status, parsed.message);
    }
    const target = parsed.target;
    // A program's run names itself as the proxy user: what it reached goes into its own record.
    const run = parsed.proxyUser ? this.deps.programRuns?.named(pluginId, parsed.proxyUser) : undefined;
    const method = target.kind === 'connect' ? 'CONNECT' : target.method;
    const base = { requestId, hop: 0, pluginId, method, url: target.kind === 'connect' ? `${target.host}:${target.port}` : redactUrl(target.url) };
    let decided: Awaited<ReturnType<Broker['decideConnection']>>;
    try {
      decided = await this.deps.broker.decideConnection(pluginId, method, target.url, base);
      const { decision, prompt } = decided;
      await this.deps.broker.recordBeforeConnecting({ ...base, event: 'decision', decision: 'allow', rule: decision.rule, reason: decision.reason, grantId: 'grantId' in decision ? decision.grantId : undefined, prompt });
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      run?.destination(`${method} ${base.url}`, false);
      return refuse(e.kind === 'permission' ? 403 : 502, e.message);
    }
    run?.destination(`${method} ${base.url}`, true);
    this.connectTunnel(mine, client, early, target.port, decided, base, target.kind === 'http' ? { head: target.head, bodyLength: target.bodyLength } : undefined);
  }

  private connectTunnel(
    mine: Set<Tunnel>,
    client: Socket,
    early: Buffer,
    port: number,
    decided: { decision: Decision; address: string },
    base: Tunnel['base'],
    plain: { head: Buffer; bodyLength: number } | undefined,
  ): void {
    const server = connect({ host: decided.address, port, timeout: this.limits.connectTimeoutMs });
    const started = performance.now();
    let connected = false;
    let done = false;
    let bytesIn = 0;
    let bytesOut = 0;
    // How many more of the client's bytes go to the server: a plain-http request's body, and not a
    // byte more (what follows would be a second request); a tunnel's: all.
    let toServer = plain ? plain.bodyLength : Infinity;
    const lifetime = setTimeout(() => tunnel.finish(`open longer than ${this.limits.maxDurationMs} ms`, true), this.limits.maxDurationMs);
    const tunnel: Tunnel = {
      decision: decided.decision,
      address: decided.address,
      base,
      finish: (how, failed) => {
        if (done) return;
        done = true;
        clearTimeout(lifetime);
        mine.delete(tunnel);
        server.destroy();
        // Not connected: the client is told why. Ended as it should: what was written to it still goes out.
        if (!connected) refuseAndClose(client, how.includes('timed out') ? 504 : 502, `${base.url}: ${how}`);
        else if (failed) client.destroy();
        else client.end();
        this.deps.broker.recordOutcome({
          ...base,
          decision: 'allow',
          rule: decided.decision.rule,
          reason: decided.decision.reason,
          ...(failed ? { event: 'error', error: how } : { event: 'response', reason: how }),
          bytes: bytesIn,
          bytesSent: bytesOut,
          durationMs: performance.now() - started,
        });
      },
    };
    mine.add(tunnel);
    const overLimit = () => bytesIn + bytesOut > this.limits.maxBytes && (tunnel.finish(`more than ${this.limits.maxBytes} bytes`, true), true);
    const fromClient = (chunk: Buffer) => {
      const passed = Math.min(chunk.length, toServer);
      toServer -= passed;
      bytesOut += passed;
      if (overLimit() || passed === 0) return;
      if (!server.write(passed === chunk.length ? chunk : chunk.subarray(0, passed))) client.pause();
    };
    server.on('connect', () => {
      connected = true;
      // A relay must not hold small writes back (Nagle): the client's own stack already decides.
      server.setNoDelay(true);
      // From now on the timeout counts idleness (no byte either way), not connecting.
      server.setTimeout(this.limits.idleMs);
      if (plain) server.write(plain.head);
      else client.write(CONNECT_ESTABLISHED);
      if (early.length > 0) fromClient(early);
      client.on('data', fromClient);
      client.resume();
    });
    server.on('data', (chunk: Buffer) => {
      bytesIn += chunk.length;
      if (!overLimit() && !client.write(chunk)) server.pause();
    });
    server.on('drain', () => client.resume());
    client.on('drain', () => server.resume());
    server.on('end', () => client.end());
    client.on('end', () => server.end());
    server.on('timeout', () => tunnel.finish(connected ? `idle for ${this.limits.idleMs} ms` : `connecting timed out after ${this.limits.connectTimeoutMs} ms`, true));
    server.on('error', (e) => tunnel.finish(connected ? `the connection failed: ${e.message}` : `cannot connect: ${e.message}`, true));
    server.on('close', () => tunnel.finish('closed', false));
    client.on('close', () => tunnel.finish("the plugin's client closed it", false));
    if (client.destroyed) tunnel.finish("the plugin's client closed it", false);
  }

  /** Ends every tunnel of a plugin (its plugin host is gone). */
  closeAll(pluginId: string): void {
    for (const tunnel of [...(this.tunnels.get(pluginId) ?? [])]) tunnel.finish('its plugin host stopped', true);
  }

  /**
   * Closes the tunnels a change of grants no longer allows: one that stood on a grant now revoked,
   * or that reaches a local address now that local network access is off.
   */
  private reconsider(): void {
    for (const [pluginId, mine] of this.tunnels) {
      const grants = this.deps.grants.list(pluginId);
      const localNetwork = this.deps.grants.localNetwork(pluginId);
      for (const tunnel of [...mine]) {
        const d = tunnel.decision;
        const grantGone = d.decision === 'allow' && d.grantId !== undefined && !grants.some((g) => g.id === d.grantId);
        const addressRefused = withAddresses(d, [tunnel.address], localNetwork).decision === 'deny';
        if (grantGone || addressRefused) {
          this.deps.logger.log('info', HOST_TARGET, `closing ${tunnel.base.method} ${tunnel.base.url} of ${pluginId}: ${grantGone ? 'its grant was revoked' : 'local network access was turned off'}`);
          tunnel.finish(grantGone ? 'its grant was revoked' : 'local network access was turned off', true);
        }
      }
    }
  }
}
