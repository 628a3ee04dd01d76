import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { builtArtifacts } from '../core/app-paths';
import { FrameReader, MAX_FRAME_BYTES, writeFrame } from '../core/plugins/frames';

const scratch = mkdtempSync(join(tmpdir(), 'hf-channel-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Loaded before the plugin host's script: at exit, the Node modules it had loaded go to stderr.
const probe = join(scratch, 'probe.cjs');
writeFileSync(probe, "process.on('exit', () => require('node:fs').writeSync(2, JSON.stringify(process.moduleLoadList)));\n");

/** The built plugin host, unsandboxed, with its channel on fd 3 as main makes it. */
function startPluginHost() {
  const { pluginHostScript, bridgePath } = builtArtifacts();
  const child = spawn(process.execPath, ['--require', probe, pluginHostScript, bridgePath], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } });
  const channel = child.stdio[3] as Duplex;
  const reader = new FrameReader(MAX_FRAME_BYTES);
  const got: unknown[] = [];
  const waiting: Array<() => void> = [];
  channel.on('data', (chunk: Buffer) => {
    got.push(...reader.push(chunk));
    waiting.splice(0).forEach((w) => w());
  });
  channel.on('error', () => undefined);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const next = async (): Promise<unknown> => {
    while (got.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    return got.shift();
  };
  return { channel, next, exited, stderr: () => stderr };
}

describe("a plugin host's channel to main, which its bridge reads and writes", () => {
  it("answers main's messages in our frames without loading Node's stream stack", { timeout: 30_000 }, async () => {
    const host = startPluginHost();
    writeFrame(host.channel, { type: 'stats' });
    expect(await host.next()).toMatchObject({ type: 'stats', rss: expect.any(Number) as number, heapUsed: expect.any(Number) as number });
    writeFrame(host.channel, { type: 'unload' });
    expect(await host.next()).toEqual({ type: 'unloaded', ok: true });
    expect(await host.exited).toBe(0);
    const loaded = JSON.parse(host.stderr()) as string[];
    expect(loaded).toContain('NativeModule fs');
    for (const module of ['NativeModule net', 'NativeModule v8', 'NativeModule stream', 'Internal Binding stream_wrap']) expect(loaded).not.toContain(module);
  });

  it('ends its process when main closes its end, so a crashed main leaves no orphan', { timeout: 30_000 }, async () => {
    const host = startPluginHost();
    writeFrame(host.channel, { type: 'stats' });
    await host.next();
    host.channel.destroy();
    expect(await host.exited).toBe(0);
  });
});
