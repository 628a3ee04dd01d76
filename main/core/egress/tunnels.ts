import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { AuditEntry } from '../audit/entry';
import type { ProgramService } from '../processes/program-service';
import { Refused, type Broker } from '../broker/broker';
import type { GrantStore } from '../grants/store';
import { HOST_TARGET, type Logger } from '../log/logger';
import type { TunnelFlow, ToPluginHost } from '../plugins/host-protocol';
import { withAddresses, type Decision } from '../policy/engine';
import { redactUrl } from '../policy/request-url';
import { AckBatch, TUNNEL_WINDOW } from './flow';
import { CONNECT_ESTABLISHED, parseProxyHead, proxyRefusal } from './proxy-head';

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

// A plugin's own client waits as long as it likes (image-studio: 600 s), so the whole-tunnel limit is generous.
export const DEFAULT_EGRESS_LIMITS: EgressLimits = { maxTunnelsPerPlugin: 32, idleMs: 60_000, maxDurationMs: 15 * 60_000, maxBytes: 1024 * 1024 * 1024, connectTimeoutMs: 10_000 };

type Send = (message: ToPluginHost) => void;

interface Tunnel {
  pluginId: string;
  socket: Socket;
  send: Send;
  decision: Decision;
  address: string;
  base: Pick<AuditEntry, 'requestId' | 'hop' | 'pluginId' | 'method' | 'url'>;
  started: number;
  bytesIn: number;
  bytesOut: number;
  /** How many more of the client's bytes go to the server (a plain-http request's body; a tunnel's: all). */
  toServer: number;
  /** Sent to the plugin host and not acknowledged yet. */
  unacked: number;
  lifetime: NodeJS.Timeout;
  acks: AckBatch;
  finish: (how: string, failed: boolean) => void;
}

/**
 * The main side of the egress proxy (design §8, "What main does for it"): each connection a
 * plugin's own HTTP client opens is decided by the same policy, prompts and grants as `ctx.http()`
 * (no lookup before the decision), connected to the checked address, relayed with flow control,
 * limited, and audited: a decision line before connecting, an outcome line when it ends.
 */
export class EgressTunnels {
  private readonly limits: EgressLimits;
  private readonly tunnels = new Map<string, Map<number, Tunnel>>();

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

  /** A plugin's client connected to its proxy and sent `head`. */
  async open(pluginId: string, id: number, head: Uint8Array, send: Send): Promise<void> {
    const mine = this.tunnels.get(pluginId) ?? new Map<number, Tunnel>();
    this.tunnels.set(pluginId, mine);
    const refuse = (status: number, message: string) => send({ type: 'tunnel-refused', id, reply: proxyRefusal(status, message) });
    const parsed = parseProxyHead(Buffer.from(head.buffer, head.byteOffset, head.byteLength));
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
    if (mine.size >= this.limits.maxTunnelsPerPlugin) {
      const message = `plugin ${pluginId} already has ${mine.size} connections open through its proxy, the most allowed at once`;
      this.deps.broker.recordOutcome({ ...base, event: 'decision', decision: 'deny', rule: 'egress:limit', reason: message });
      return refuse(429, message);
    }
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
    this.connectTunnel(pluginId, id, send, target.port, decided, base, target.kind === 'http' ? { head: target.head, bodyLength: target.bodyLength } : undefined);
  }

  private connectTunnel(
    pluginId: string,
    id: number,
    send: Send,
    port: number,
    decided: { decision: Decision; address: string },
    base: Tunnel['base'],
    plain: { head: Buffer; bodyLength: number } | undefined,
  ): void {
    const firstBytes = plain?.head;
    const mine = this.tunnels.get(pluginId) as Map<number, Tunnel>;
    const socket = connect({ host: decided.address, port, timeout: this.limits.connectTimeoutMs });
    let connected = false;
    let done = false;
    const tunnel: Tunnel = {
      pluginId,
      socket,
      send,
      decision: decided.decision,
      address: decided.address,
      base,
      started: performance.now(),
      bytesIn: 0,
      bytesOut: 0,
      toServer: plain ? plain.bodyLength : Infinity,
      unacked: 0,
      acks: new AckBatch(),
      lifetime: setTimeout(() => tunnel.finish(`open longer than ${this.limits.maxDurationMs} ms`, true), this.limits.maxDurationMs),
      finish: (how, failed) => {
        if (done) return;
        done = true;
        clearTimeout(tunnel.lifetime);
        mine.delete(id);
        socket.destroy();
        if (!connected) send({ type: 'tunnel-refused', id, reply: proxyRefusal(how.includes('timed out') ? 504 : 502, `${base.url}: ${how}`) });
        else if (failed) send({ type: 'tunnel-abort', id });
        const outcome = { bytes: tunnel.bytesIn, bytesSent: tunnel.bytesOut, durationMs: performance.now() - tunnel.started };
        this.deps.broker.recordOutcome({
          ...base,
          decision: 'allow',
          rule: decided.decision.rule,
          reason: decided.decision.reason,
          ...(failed ? { event: 'error', error: how } : { event: 'response', reason: how }),
          ...outcome,
        });
      },
    };
    mine.set(id, tunnel);
    socket.on('connect', () => {
      connected = true;
      // A relay must not hold small writes back (Nagle): the client's own stack already decides.
      socket.setNoDelay(true);
      // From now on the timeout counts idleness, not connecting.
      socket.setTimeout(this.limits.idleMs);
      if (firstBytes) socket.write(firstBytes);
      send({ type: 'tunnel-opened', id, reply: firstBytes ? new Uint8Array(0) : CONNECT_ESTABLISHED });
    });
    socket.on('timeout', () => tunnel.finish(connected ? `idle for ${this.limits.idleMs} ms` : `connecting timed out after ${this.limits.connectTimeoutMs} ms`, true));
    socket.on('data', (chunk: Buffer) => {
      tunnel.bytesIn += chunk.length;
      if (tunnel.bytesIn + tunnel.bytesOut > this.limits.maxBytes) return tunnel.finish(`more than ${this.limits.maxBytes} bytes`, true);
      tunnel.unacked += chunk.length;
      if (tunnel.unacked > TUNNEL_WINDOW) socket.pause();
      send({ type: 'tunnel-data', id, bytes: chunk });
    });
    socket.on('end', () => send({ type: 'tunnel-end', id }));
    socket.on('error', (e) => tunnel.finish(connected ? `the connection failed: ${e.message}` : `cannot connect: ${e.message}`, true));
    socket.on('close', () => tunnel.finish('closed', false));
  }

  /** Relays what the plugin host says about an open tunnel. Returns why it is refused, if it is. */
  flow(pluginId: string, m: TunnelFlow): string | undefined {
    const tunnel = this.tunnels.get(pluginId)?.get(m.id);
    if (!tunnel) return undefined; // closed meanwhile
    switch (m.type) {
      case 'tunnel-data': {
        // The plugin host keeps to the window; more in flight is a plugin host that does not.
        if (tunnel.socket.writableLength > 2 * TUNNEL_WINDOW) {
          tunnel.finish('the plugin host ignored flow control', true);
          return `more than ${2 * TUNNEL_WINDOW} unacknowledged bytes on tunnel ${m.id}`;
        }
        const n = m.bytes.byteLength;
        // A plain-http request's body, and not a byte more: what follows would be a second request.
        const passed = Math.min(n, tunnel.toServer);
        tunnel.toServer -= passed;
        tunnel.bytesOut += passed;
        if (tunnel.bytesIn + tunnel.bytesOut > this.limits.maxBytes) {
          tunnel.finish(`more than ${this.limits.maxBytes} bytes`, true);
          return undefined;
        }
        tunnel.socket.write(m.bytes.subarray(0, passed), () => {
          const due = tunnel.acks.wrote(n);
          if (due > 0) tunnel.send({ type: 'tunnel-ack', id: m.id, bytes: due });
        });
        return undefined;
      }
      case 'tunnel-ack':
        tunnel.unacked -= Math.min(Math.max(0, m.bytes), tunnel.unacked);
        if (tunnel.socket.isPaused() && tunnel.unacked <= TUNNEL_WINDOW / 2) tunnel.socket.resume();
        return undefined;
      case 'tunnel-end':
        tunnel.socket.end();
        return undefined;
      case 'tunnel-abort':
        tunnel.finish("the plugin's client closed it", false);
        return undefined;
    }
  }

  /** Ends every tunnel of a plugin (its plugin host is gone). */
  closeAll(pluginId: string): void {
    for (const tunnel of [...(this.tunnels.get(pluginId)?.values() ?? [])]) tunnel.finish('its plugin host stopped', true);
  }

  /**
   * Closes the tunnels a change of grants no longer allows: one that stood on a grant now revoked,
   * or that reaches a local address now that local network access is off.
   */
  private reconsider(): void {
    for (const [pluginId, mine] of this.tunnels) {
      const grants = this.deps.grants.list(pluginId);
      const localNetwork = this.deps.grants.localNetwork(pluginId);
      for (const tunnel of [...mine.values()]) {
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
