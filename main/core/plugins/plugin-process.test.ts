import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PromptService } from '../prompts/service';
import type { PromptAnswer } from '../prompts/prompt-types';
import { SandboxGate } from '../sandbox/gate';
import { MAIN_NAMESPACES, SANDBOXED_PROOF } from '../../../test/helpers/sandbox-proofs';
import { timeoutsWith } from '../timeouts';
import type { FromPluginHost, ToPluginHost } from './host-protocol';
import type { HostExit, HostProcess } from './launcher';
import { encodeResults } from './outbox-format';
import { PluginProcess } from './plugin-process';

/** A plugin host played by the test: what main sends it is recorded, what it says is scripted. */
class ScriptedHost implements HostProcess {
  readonly pid = 4242;
  readonly lockdown = { writable: ['/data', '/tmp'], view: false, executable: [] };
  readonly sent: ToPluginHost[] = [];
  killed = false;
  private listeners: Array<(m: FromPluginHost) => void> = [];
  private exits: Array<(e: HostExit) => void> = [];
  send(m: ToPluginHost): void {
    this.sent.push(m);
  }
  onMessage(l: (m: FromPluginHost) => void): void {
    this.listeners.push(l);
  }
  onStderrLine(): void {}
  egressListener(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  onExit(l: (e: HostExit) => void): void {
    this.exits.push(l);
  }
  kill(): void {
    this.killed = true;
    for (const l of this.exits) l({ code: null, signal: 'SIGKILL', stderrTail: '' });
  }
  say(m: unknown): void {
    for (const l of this.listeners) l(m as FromPluginHost);
  }
  /** The plugin thread asks main something (as the bridge's outbox would carry it). */
  ask(call: Record<string, unknown>): void {
    const control = Buffer.from(JSON.stringify([call]));
    const header = Buffer.alloc(4);
    header.writeUInt32LE(control.length);
    this.say({ type: 'outbox', batch: Buffer.concat([header, control]) });
  }

  /** The bridge answers request `id` (the error's text, as its outbox carries it). */
  fail(id: number, error: string): void {
    this.say({ type: 'outbox', batch: encodeResults([{ id, ok: false, text: error }]) });
  }
}

let home: string;
beforeEach(() => {
  vi.useFakeTimers();
  home = mkdtempSync(join(tmpdir(), 'hf-pp-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(home, { recursive: true, force: true });
});

/**
 * A running plugin whose `fetch` command makes one brokered request that needs the user's answer,
 * wired as the host wires it: the prompt service holds the plugin's deadlines while it asks.
 */
async function running(answer: (() => Promise<PromptAnswer>) | 'never') {
  const timeouts = timeoutsWith();
  const prompts = new PromptService(answer === 'never' ? () => new Promise<PromptAnswer>(() => undefined) : answer, timeouts.promptMs);
  const hosts: ScriptedHost[] = [];
  const process = new PluginProcess({
    pluginId: 'dev.t.p',
    dir: home,
    library: join(home, 'lib.so'),
    dataDir: join(home, 'data'),
    bridge: async () => ({ ok: true, bridge: { path: '/bridge.so', stdDir: undefined, rustc: '1.95.0' } }),
    network: true,
    context: () => ({ permissions: [{ type: 'network_http' }], settings: {} }),
    gate: new SandboxGate({ bubblewrap: { ok: true, path: '/usr/bin/bwrap' }, allowUnconfined: false, mainNamespaces: MAIN_NAMESPACES, home }),
    launcher: () => {
      const h = new ScriptedHost();
      hosts.push(h);
      return h;
    },
    logger: { log: () => undefined },
    timeouts,
    hostCalls: {
      http: async () => {
        const outcome = await prompts.ask({ kind: 'network', pluginId: 'dev.t.p', pluginName: 'T', method: 'GET', url: 'https://x.example/', scheme: 'https', host: 'x.example', port: 443, unencrypted: false, permission: 'network_http', tier: 'Sensitive', reason: 'first use' });
        return outcome === 'allow-once' ? { ok: true, status: 200, headers: {}, body: 1 } : { ok: false, kind: 'permission', message: prompts.whyRefused(outcome as 'deny' | 'timeout' | 'unavailable') };
      },
      settings: async () => ({}),
    },
  });
  prompts.watch((_id, asking) => process.holdDeadlines(asking));
  const started = process.start();
  await vi.advanceTimersByTimeAsync(0); // the bridge is chosen first
  const host = hosts[0] as ScriptedHost;
  host.say({ type: 'proof', proof: SANDBOXED_PROOF });
  host.say({ type: 'loaded', ok: true, metadata: { id: 'dev.t.p', name: 'T', version: '1', description: '', author: '', abiVersion: 1, rustc: '1.95.0', sharedStd: true, workflowStepTypes: [] }, commands: ['fetch'] });
  await started;
  return { process, host, prompts };
}

/** Lets promise callbacks run between fake-timer steps. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe("a command's clock while the user is asked", () => {
  it('stands still during an unanswered prompt, which ends as a denial the plugin sees, and its plugin host keeps running', async () => {
    const { process, host } = await running('never');
    const result = process.invoke('fetch', {}).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(5_000);
    host.ask({ type: 'http', id: 7, method: 'GET', url: 'https://x.example/', headers: {}, body: null });
    await settle();
    // Past the command's own 60 s: still waiting, because the user is being asked.
    await vi.advanceTimersByTimeAsync(59_000);
    expect(host.killed).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    const complete = host.sent.find((m) => m.type === 'complete');
    expect(complete && JSON.parse(Buffer.from(complete.json).toString())).toEqual({ ok: false, kind: 'permission', message: 'nobody answered the permission prompt within 60 s' });
    // The plugin turns the denial into its error, as its handler returns.
    host.fail(1, 'Permission denied: nobody answered the permission prompt within 60 s');
    expect(await result).toBe('Permission denied: nobody answered the permission prompt within 60 s');
    expect(host.killed).toBe(false);
    expect(process.state).toBe('active');
  });

  it('goes on with the time it had left once the user answered', async () => {
    const { process, host } = await running(async () => {
      await new Promise((r) => setTimeout(r, 30_000));
      return 'allow-once';
    });
    const result = process.invoke('fetch', {}).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(10_000);
    host.ask({ type: 'http', id: 7, method: 'GET', url: 'https://x.example/', headers: {}, body: null });
    await vi.advanceTimersByTimeAsync(30_000); // the user answers after 30 s: 50 s of the command's time left
    expect(host.sent.some((m) => m.type === 'complete')).toBe(true);
    await vi.advanceTimersByTimeAsync(49_999);
    expect(host.killed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBe("plugin dev.t.p did not answer 'fetch' within 60000 ms; its plugin host was restarted");
    expect(host.killed).toBe(true);
  });

  it('runs as usual when nothing is asked: a command that never answers times out and its plugin host is recycled', async () => {
    const { process, host } = await running('never');
    const result = process.invoke('fetch', {}).catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(host.killed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toMatch(/did not answer 'fetch' within 60000 ms/);
    expect(host.killed).toBe(true);
  });
});
