import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { request } from 'undici';
import type { AuditLog } from '../audit/log';
import type { AuditEntry } from '../audit/entry';
import type { GrantStore } from '../grants/store';
import { HOST_TARGET, type Logger } from '../log/logger';
import { localityOf } from '../policy/address';
import { decide, withAddresses, type Decision } from '../policy/engine';
import { redactUrl } from '../policy/request-url';
import type { PromptService } from '../prompts/service';
import type { PromptOutcome } from '../prompts/prompt-types';
import type { PluginAuthority } from '../plugins/authority';
import { HttpBody, isJsonType } from './http-body';
import { decideFromAnswer } from '../grants/prompt-answer';
import { describeLasting } from '../grants/terms';
import { DeadlinePassed, Deadlines } from './deadlines';
import { PinnedAgents } from './pinned-agents';
import { systemResolver, type Resolver } from './resolver';

/** What a plugin asks for through `ctx.http()`. */
export interface BrokerRequest {
  pluginId: string;
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** A POST's body: JSON as the plugin wrote it, sent as it is (absent: `null`). */
  body?: Uint8Array;
}

/** What goes back to the plugin: `HttpResponse`, or the kind of `PluginError` to raise. */
export type BrokerReply =
  | { ok: true; status: number; headers: Record<string, string>; body: HttpBody }
  | { ok: false; kind: 'permission' | 'network'; message: string };

export interface BrokerLimits {
  /** Whole request, redirects included. */
  timeoutMs: number;
  maxResponseBytes: number;
  maxRequestBytes: number;
  maxConcurrentPerPlugin: number;
  maxRedirects: number;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  timeoutMs: 30_000,
  maxResponseBytes: 10 * 1024 * 1024,
  maxRequestBytes: 1024 * 1024,
  maxConcurrentPerPlugin: 8,
  maxRedirects: 5,
};

export interface BrokerOptions {
  /** What an installed plugin may do now (permissions, grants, local network), or undefined if there is no such plugin. */
  authorityOf: (pluginId: string) => Pick<PluginAuthority, 'name' | 'permissions' | 'grants' | 'localNetwork'> | undefined;
  grants: GrantStore;
  audit: AuditLog;
  prompts: PromptService;
  logger: Logger;
  resolver?: Resolver;
  limits?: Partial<BrokerLimits>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new TextEncoder().encode('null');
const OWN_ADDRESSES_TTL_MS = 5000;

/** The addresses of this machine's network interfaces (a public one still leads back here). */
function localAddresses(): ReadonlySet<string> {
  return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address.split('%')[0] as string)));
}
// Headers a plugin may not set: the broker owns the connection and the framing.
const FORBIDDEN_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-connection']);
// The only request headers that follow a redirect to another origin: any other may carry a
// credential under a name no list of secrets could foresee (X-Goog-Api-Key, Private-Token…).
const CROSS_ORIGIN_SAFE_HEADERS = new Set(['accept', 'accept-language', 'content-language', 'content-type', 'user-agent', 'cache-control', 'pragma']);

/** Records the outcome of an allowed hop: a response or an error, with what is known of it. */
type Outcome = (entry: Pick<AuditEntry, 'event'> & Partial<Pick<AuditEntry, 'reason' | 'status' | 'bytes' | 'error'>>) => void;

/** A request the broker will not make, and whether it was the policy (permission) or the network that said no. */
export class Refused extends Error {
  constructor(
    readonly kind: 'permission' | 'network',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Sends plugins' HTTP requests from main, after the policy engine has decided each hop. DNS is
 * resolved once per hop, every address is checked, and the connection goes to a checked address.
 */
export class Broker {
  private readonly limits: BrokerLimits;
  private readonly resolver: Resolver;
  private readonly agents: PinnedAgents;
  private readonly deadlines: Deadlines;
  private readonly inFlight = new Map<string, number>();
  private own: { at: number; addresses: ReadonlySet<string> } | undefined;

  constructor(private readonly opts: BrokerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.resolver = opts.resolver ?? systemResolver;
    this.agents = new PinnedAgents({ headersTimeout: this.limits.timeoutMs, bodyTimeout: this.limits.timeoutMs, maxResponseSize: this.limits.maxResponseBytes });
    // A late body is stopped within an eighth of the timeout (at most a second) of its deadline.
    this.deadlines = new Deadlines(Math.min(1000, Math.max(10, Math.round(this.limits.timeoutMs / 8))));
  }

  async fetch(req: BrokerRequest): Promise<BrokerReply> {
    const count = this.inFlight.get(req.pluginId) ?? 0;
    if (count >= this.limits.maxConcurrentPerPlugin) {
      return { ok: false, kind: 'network', message: `plugin ${req.pluginId} already has ${count} requests in flight, the most allowed at once; wait for one to finish` };
    }
    this.inFlight.set(req.pluginId, count + 1);
    try {
      return await this.follow(req);
    } catch (e) {
      if (e instanceof Refused) return { ok: false, kind: e.kind, message: e.message };
      return { ok: false, kind: 'network', message: (e as Error).message };
    } finally {
      const left = (this.inFlight.get(req.pluginId) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(req.pluginId);
      else this.inFlight.set(req.pluginId, left);
    }
  }

  /** This machine's own addresses, looked up at most every few seconds (interfaces rarely change). */
  private ownAddresses(): ReadonlySet<string> {
    const now = performance.now();
    if (!this.own || now - this.own.at > OWN_ADDRESSES_TTL_MS) this.own = { at: now, addresses: localAddresses() };
    return this.own.addresses;
  }

  close(): Promise<void> {
    this.deadlines.close();
    return this.agents.closeAll();
  }

  private async follow(req: BrokerRequest): Promise<BrokerReply> {
    let body: Uint8Array | undefined;
    if (req.method === 'POST') {
      body = req.body ?? NULL_BODY;
      if (body.byteLength > this.limits.maxRequestBytes) {
        throw new Refused('network', `request body of ${body.byteLength} bytes exceeds the limit of ${this.limits.maxRequestBytes} bytes`);
      }
    }
    const headers = Object.fromEntries(Object.entries(req.headers ?? {}).filter(([k]) => !FORBIDDEN_HEADERS.has(k.toLowerCase())));
    const requestId = randomUUID();
    // One deadline for the whole request, redirects included. It is enforced through undici's own
    // header timeout and a shared sweep of the bodies being read, not an AbortSignal, which costs
    // a fifth of a loopback request.
    const deadline = performance.now() + this.limits.timeoutMs;
    let method = req.method;
    let url = req.url;
    for (let hop = 0; ; hop++) {
      const started = performance.now();
      const base = { requestId, hop, pluginId: req.pluginId, method, url: redactUrl(url) };
      const { decision, prompt, address } = await this.decideConnection(req.pluginId, method, url, base);
      await this.auditBeforeSending({ ...base, event: 'decision', decision: 'allow', rule: decision.rule, reason: decision.reason, grantId: 'grantId' in decision ? decision.grantId : undefined, prompt });
      // What became of this allowed hop, recorded once it is known.
      const outcome: Outcome = (entry) => this.auditAfter({ ...base, decision: 'allow', rule: decision.rule, reason: decision.reason, durationMs: performance.now() - started, ...entry });
      let res: Awaited<ReturnType<typeof request>>;
      try {
        const left = Math.max(1, Math.round(deadline - performance.now()));
        res = await request(url, { method, headers, body, dispatcher: this.agents.for(address), headersTimeout: left, bodyTimeout: left });
      } catch (e) {
        const late = performance.now() >= deadline || (e as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT';
        const message = late ? `request to ${redactUrl(url)} timed out after ${this.limits.timeoutMs} ms` : `request to ${redactUrl(url)} failed: ${(e as Error).message}`;
        outcome({ event: 'error', error: message });
        throw new Refused('network', message);
      }
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode) && typeof location === 'string') {
        await res.body.dump();
        outcome({ event: 'response', reason: `redirect to ${redactUrl(new URL(location, url).toString())}`, status: res.statusCode, bytes: 0 });
        if (hop >= this.limits.maxRedirects) throw new Refused('network', `too many redirects (more than ${this.limits.maxRedirects}) starting at ${redactUrl(req.url)}`);
        const next = new URL(location, url);
        if (next.origin !== new URL(url).origin) for (const k of Object.keys(headers)) if (!CROSS_ORIGIN_SAFE_HEADERS.has(k.toLowerCase())) delete headers[k];
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next.toString();
        continue;
      }
      const received = await this.readCapped(res, url, deadline, outcome);
      outcome({ event: 'response', status: res.statusCode, bytes: received.byteLength });
      // The body goes on as bytes: main neither decodes nor parses it (see ./http-body).
      return { ok: true, status: res.statusCode, headers: flattenHeaders(res.headers), body: new HttpBody(received, isJsonType(res.headers['content-type'])) };
    }
  }

  /** Records an allowed connection before it is made; nothing may be sent when this throws. */
  recordBeforeConnecting(entry: Omit<AuditEntry, 'time'>): Promise<void> {
    return this.auditBeforeSending(entry);
  }

  /** Records what became of an allowed connection. */
  recordOutcome(entry: Omit<AuditEntry, 'time'>): void {
    this.auditAfter(entry);
  }

  /**
   * Decides one connection of a plugin: a hop of `ctx.http()`, or for the egress proxy a tunnel
   * (method `CONNECT`) or a plain-http request it forwards. The policy and, where it asks, the user
   * decide first; DNS only for what they allowed. Refusals are audited here and thrown as `Refused`;
   * the caller records the allowed decision (`recordBeforeConnecting`).
   */
  async decideConnection(
    pluginId: string,
    method: string,
    url: string,
    base: Pick<AuditEntry, 'requestId' | 'hop' | 'pluginId' | 'method' | 'url'>,
  ): Promise<{ decision: Decision; prompt: PromptOutcome | undefined; address: string }> {
    // Read at every hop: a grant the user gave at the first hop's prompt holds for a redirect.
    const authority = this.opts.authorityOf(pluginId);
    if (!authority) throw new Refused('permission', `no plugin ${pluginId} is installed`);
    const grants = this.opts.grants;
    const input = { pluginId, permissions: authority.permissions, grants: authority.grants.network, localNetwork: authority.localNetwork, ownAddresses: this.ownAddresses(), method, url };
    const deny = (rule: string, reason: string, prompt?: PromptOutcome): never => {
      this.audit({ ...base, event: 'decision', decision: 'deny', rule, reason, prompt });
      throw new Refused('permission', reason);
    };
    // Ask before you look (design §8): the policy, and the user where it asks, decide before any
    // DNS lookup, so a plugin cannot carry data out in the names it has looked up.
    let decision = decide(input);
    if (decision.decision === 'deny') deny(decision.rule, decision.reason);
    const target = decision.target as NonNullable<Decision['target']>;
    let prompt: PromptOutcome | undefined;
    if (decision.decision === 'ask') {
      // The user's "Deny always" answers for them: no prompt, refused until they revoke it.
      const denial = grants.denialOf(pluginId, target);
      if (denial) {
        grants.touch(denial.id);
        deny('grant:deny', `request of plugin ${pluginId} to ${target.scheme}://${target.host}:${target.port} was not allowed: the user denied it always (${denial.via}, ${denial.createdAt}); revoking that in Grants lets the plugin ask again`);
      }
      const asked = await this.opts.prompts.askWho({
        kind: 'network',
        pluginId,
        pluginName: authority.name,
        method,
        url: redactUrl(url),
        scheme: target.scheme,
        host: target.host,
        port: target.port,
        unencrypted: target.scheme === 'http',
        locality: localityOf(target.host, input.ownAddresses),
        permission: 'network_http',
        tier: 'Sensitive',
        reason: decision.reason,
      });
      prompt = asked.outcome;
      const origin = `${target.scheme}://${target.host}:${target.port}`;
      const scope = { pluginId, scheme: target.scheme, host: target.host, port: target.port };
      const answered = decideFromAnswer(
        prompt,
        this.opts.prompts,
        (terms) => grants.add({ ...scope, permission: 'network_http', ...terms }, asked.by),
        (terms) => grants.addDenial({ ...scope, permission: 'deny', denied: 'network_http', ...terms }, asked.by),
      );
      if (!answered.allowed) deny(`prompt:${prompt}`, `request of plugin ${pluginId} to ${origin} was not allowed: ${answered.why}`, prompt);
      else if (answered.lasts) {
        this.opts.logger.log('info', HOST_TARGET, `plugin ${pluginId} granted network access to ${origin} ${describeLasting(answered.lasts)} (grant ${answered.grantId})`);
        decision = { decision: 'allow', rule: 'grant', grantId: answered.grantId, reason: `the user allowed ${origin} ${describeLasting(answered.lasts)}`, target };
      } else {
        decision = { decision: 'allow', rule: 'prompt:allow-once', reason: `the user allowed this one request to ${origin}`, target };
      }
    }
    let addresses: string[];
    if (target.isIpLiteral) addresses = [target.host];
    else {
      try {
        addresses = await this.resolver(target.host);
      } catch (e) {
        const message = `cannot resolve ${target.host}: ${(e as Error).message}`;
        this.audit({ ...base, event: 'error', decision: 'deny', rule: 'dns:error', reason: message, prompt });
        throw new Refused('network', message);
      }
    }
    const checked = withAddresses(decision, addresses, input.localNetwork, input.ownAddresses);
    if (checked.decision === 'deny') deny(checked.rule, checked.reason, prompt);
    if (decision.decision === 'allow' && decision.grantId !== undefined) grants.touch(decision.grantId);
    return { decision, prompt, address: addresses[0] as string };
  }

  /** Reads the whole body within the deadline; undici stops it past `maxResponseBytes`. */
  private async readCapped(
    res: Awaited<ReturnType<typeof request>>,
    url: string,
    deadline: number,
    outcome: Outcome,
  ): Promise<Uint8Array> {
    this.deadlines.watch(res.body, deadline);
    try {
      return await res.body.bytes();
    } catch (e) {
      const code = (e as { code?: string }).code;
      const message =
        e instanceof DeadlinePassed || code === 'UND_ERR_BODY_TIMEOUT'
          ? `response from ${redactUrl(url)} took longer than ${this.limits.timeoutMs} ms`
          : code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE'
            ? `response from ${redactUrl(url)} exceeds the limit of ${this.limits.maxResponseBytes} bytes`
            : `reading the response from ${redactUrl(url)} failed: ${(e as Error).message}`;
      outcome({ event: 'error', status: res.statusCode, error: message });
      throw new Refused('network', message);
    } finally {
      this.deadlines.forget(res.body);
    }
  }

  /** Records the outcome of a request that was already allowed and sent. */
  private auditAfter(entry: Omit<AuditEntry, 'time'>): void {
    this.opts.audit.appendLater({ time: new Date().toISOString(), ...entry }, (e) =>
      this.opts.logger.log('error', HOST_TARGET, `audit write failed for the outcome of request ${entry.requestId}: ${e.message}`),
    );
  }

  /** Records a refusal; a request that cannot be recorded is still refused, with that reason. */
  private audit(entry: Omit<AuditEntry, 'time'>): void {
    try {
      this.opts.audit.append({ time: new Date().toISOString(), ...entry });
    } catch (e) {
      throw this.auditFailed(e as Error);
    }
  }

  /** Records an allowed hop before it is sent; when that fails, nothing is sent. */
  private async auditBeforeSending(entry: Omit<AuditEntry, 'time'>): Promise<void> {
    try {
      await this.opts.audit.appendBeforeSending({ time: new Date().toISOString(), ...entry });
    } catch (e) {
      throw this.auditFailed(e as Error);
    }
  }

  // Fail closed: a request that cannot be recorded is not sent (or not returned).
  private auditFailed(e: Error): Refused {
    this.opts.logger.log('error', HOST_TARGET, `audit write failed, refusing the request: ${e.message}`);
    return new Refused('network', `the audit log cannot be written (${e.message}), so the request was refused`);
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

