import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import { installSample, pretendBuiltByOtherRustc, pretendCommentSays, release } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';

const HELLO = 'dev.example.my-plugin';
const MISBEHAVE = 'dev.haloforge.test.misbehave';


/** A host over a fresh HALOFORGE_HOME holding the given samples, started. */
async function startHost(samples: Array<Parameters<typeof installSample>[1]>, opts: { invokeTimeoutMs?: number; rustLog?: string } = {}) {
  const home = scratchHome();
  for (const s of samples) installSample(home, s);
  const logger = new FileLogger(homeLayout(home).logs, opts.rustLog);
  const host = tracked(createHost({ home, logger, timeouts: opts.invokeTimeoutMs ? { invokeMs: opts.invokeTimeoutMs, requestMs: opts.invokeTimeoutMs - 1, programMs: opts.invokeTimeoutMs - 1 } : {} }));
  host.plugins.discover();
  await host.plugins.startAll();
  return { host, home };
}

function logText(home: string): string {
  const dir = homeLayout(home).logs;
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

describe('a plugin written exactly as the Rust Backend guide says', () => {
  it('answers ping by its wire name through main, plugin host, bridge and plugin', async () => {
    const { host } = await startHost([{ sample: 'hello' }]);
    expect(host.plugins.get(HELLO)).toMatchObject({ state: 'active', commands: ['ping'], error: null });
    // By wire name, the arguments as JSON text and the answer as the plugin wrote it.
    expect((await host.plugins.invokeWireRaw('plugin_dev_example_my_plugin_ping', '{"value":1}')).value()).toEqual({ ok: true, echo: { value: 1 } });
  });

  it('names an unknown command in the error', async () => {
    const { host } = await startHost([{ sample: 'hello' }]);
    await expect(host.plugins.invoke(HELLO, 'pong', {})).rejects.toThrow(/no command 'pong'.*registers: ping/);
  });

  it('survives 10,000 sequential invokes without error or unbounded memory', async () => {
    const { host } = await startHost([{ sample: 'hello' }]);
    for (let i = 0; i < 1000; i++) await host.plugins.invoke(HELLO, 'ping', { i });
    const warm = await host.plugins.memoryOf(HELLO);
    for (let i = 0; i < 10_000; i++) {
      const r = (await host.plugins.invoke(HELLO, 'ping', { i })) as { echo: { i: number } };
      if (r.echo.i !== i) throw new Error(`invoke ${i} answered ${JSON.stringify(r)}`);
    }
    const after = await host.plugins.memoryOf(HELLO);
    // Generous: a leak of one string per call would add far more than this over 10,000 calls.
    expect(after.rss).toBeLessThan(300 * 1024 * 1024);
    expect(after.rss - warm.rss).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('a plugin that misbehaves', () => {
  it('returns the PluginError Display text', async () => {
    const { host } = await startHost([{ sample: 'misbehave' }]);
    await expect(host.plugins.invoke(MISBEHAVE, 'not_found', { what: 'x' })).rejects.toThrow(/^Not found: x$/);
  });

  it('turns a panicking handler into an error, and its plugin host keeps serving', async () => {
    const { host } = await startHost([{ sample: 'misbehave' }]);
    const pid = host.plugins.pidOf(MISBEHAVE);
    await expect(host.plugins.invoke(MISBEHAVE, 'panic', {})).rejects.toThrow(/panicked while handling 'panic': deliberate panic/);
    await expect(host.plugins.invoke(MISBEHAVE, 'echo', { a: 1 })).resolves.toEqual({ echo: { a: 1 } });
    expect(host.plugins.pidOf(MISBEHAVE)).toBe(pid);
  });

  it.each([
    ['segfault', /SIGSEGV \(segmentation fault\)/],
    ['abort', /SIGABRT \(aborted\)/],
  ])('that calls %s loses its plugin host only, is shown in error, and can be restarted', async (command, reason) => {
    const { host } = await startHost([{ sample: 'misbehave' }, { sample: 'hello' }]);
    await expect(host.plugins.invoke(MISBEHAVE, command, {})).rejects.toThrow(reason);
    expect(host.plugins.get(MISBEHAVE)).toMatchObject({ state: 'error', error: expect.stringMatching(reason) });
    await expect(host.plugins.invoke(HELLO, 'ping', { still: 'here' })).resolves.toEqual({ ok: true, echo: { still: 'here' } });
    await host.plugins.restart(MISBEHAVE);
    expect(host.plugins.get(MISBEHAVE)?.state).toBe('active');
    await expect(host.plugins.invoke(MISBEHAVE, 'echo', 1)).resolves.toEqual({ echo: 1 });
  });

  it('that never returns fails after the timeout, and its plugin host is recycled', async () => {
    const { host } = await startHost([{ sample: 'misbehave' }], { invokeTimeoutMs: 500 });
    const pid = host.plugins.pidOf(MISBEHAVE);
    await expect(host.plugins.invoke(MISBEHAVE, 'block', {})).rejects.toThrow(/did not answer 'block' within 500 ms; its plugin host was restarted/);
    await expect.poll(() => host.plugins.get(MISBEHAVE)?.state).toBe('active');
    expect(host.plugins.pidOf(MISBEHAVE)).not.toBe(pid);
    await expect(host.plugins.invoke(MISBEHAVE, 'echo', 2)).resolves.toEqual({ echo: 2 });
  });

  it('keeps answering while one of its commands blocks: a command never waits behind another', async () => {
    const { host } = await startHost([{ sample: 'misbehave' }]);
    // Stopped when the test's host shuts down, which also ends the blocked call.
    const blocked = host.plugins.invoke(MISBEHAVE, 'block', {}).catch((e: Error) => e);
    for (const n of [1, 2, 3]) await expect(host.plugins.invoke(MISBEHAVE, 'echo', n)).resolves.toEqual({ echo: n });
    await expect(host.plugins.invoke(MISBEHAVE, 'sleep', { ms: 5 })).resolves.toEqual({ slept_ms: 5 });
    await host.shutdown();
    expect(await blocked).toBeInstanceOf(Error);
  });

  it('whose on_settings_changed holds its object keeps answering commands and the next save meanwhile', async () => {
    const { host } = await startHost([{ sample: 'misbehave' }]);
    host.settings.saveFromPanel(MISBEHAVE, { hold: true });
    await expect.poll(() => host.plugins.invoke(MISBEHAVE, 'settings_handled', {})).toEqual({ holding: true, handled: 0 });
    // The next save waits for the plugin object, off every lock the bridge's calls need.
    host.settings.saveFromPanel(MISBEHAVE, { hold: false });
    await expect(host.plugins.invoke(MISBEHAVE, 'echo', { while: 'held' })).resolves.toEqual({ echo: { while: 'held' } });
    await expect(host.plugins.invoke(MISBEHAVE, 'release_settings', {})).resolves.toEqual({ was_holding: true, handled: 0 });
    await expect.poll(() => host.plugins.invoke(MISBEHAVE, 'settings_handled', {})).toEqual({ holding: false, handled: 1 });
  });

  it('returns a large result intact', async () => {
    const { host } = await startHost([{ sample: 'misbehave' }]);
    const r = (await host.plugins.invoke(MISBEHAVE, 'huge', { bytes: 3 * 1024 * 1024 })) as { data: string };
    expect(r.data.length).toBe(3 * 1024 * 1024);
  });

  it('sees the host services its manifest allows: a data folder and a database, no network, no events', async () => {
    const { host } = await startHost([{ sample: 'misbehave' }]);
    const r = (await host.plugins.invoke(MISBEHAVE, 'services', {})) as Record<string, unknown>;
    expect(r).toMatchObject({ http: false, fs: false, process: false, db: null, save_settings: null });
    expect(String(r.data_dir)).toMatch(/plugins\/dev\.haloforge\.test\.misbehave\/data$/);
    expect(r.events).toBe('Permission denied: emitting events needs the events_emit permission');
  });

  it("sees none of main's environment, only the few variables its host gives it", async () => {
    process.env.HF_TEST_API_TOKEN = 'not for plugins';
    process.env.HF_TEST_SETTING = 'not for plugins either';
    try {
      const { host } = await startHost([{ sample: 'misbehave' }]);
      await expect(host.plugins.invoke(MISBEHAVE, 'env', { name: 'HF_TEST_API_TOKEN' })).resolves.toEqual({ value: null });
      await expect(host.plugins.invoke(MISBEHAVE, 'env', { name: 'HF_TEST_SETTING' })).resolves.toEqual({ value: null });
      // Programs are found as on a user's machine (their names are shims; design §8.1).
    await expect(host.plugins.invoke(MISBEHAVE, 'env', { name: 'PATH' })).resolves.toEqual({ value: '/usr/local/bin:/usr/bin:/bin' });
      await expect(host.plugins.invoke(MISBEHAVE, 'env', { name: 'HOME' })).resolves.toEqual({ value: expect.stringMatching(/plugins\/dev\.haloforge\.test\.misbehave\/data$/) as string });
    } finally {
      delete process.env.HF_TEST_API_TOKEN;
      delete process.env.HF_TEST_SETTING;
    }
  });
});

describe('a library that cannot be a plugin is refused with its own message', () => {
  const refused = async (sample: Parameters<typeof installSample>[1], id: string) => {
    const { host } = await startHost([sample, { sample: 'hello' }]);
    const p = host.plugins.get(id);
    expect(p?.state).toBe('error');
    expect(host.plugins.get(HELLO)?.state).toBe('active');
    return p?.error ?? '';
  };

  it('a wrong ABI version', async () => {
    const error = await refused(
      { sample: 'misbehave', library: join(release, 'libhf_wrong_abi.so') },
      MISBEHAVE,
    );
    expect(error).toMatch(/uses plugin ABI version 2, this host speaks version 1: rebuild/);
  });

  it('a library built by a rustc that is not installed, with the command that would install it', async () => {
    const { libraryPath } = installSample(scratchHome(), { sample: 'misbehave' });
    pretendBuiltByOtherRustc(libraryPath, '1.97.0');
    const error = await refused({ sample: 'misbehave', library: libraryPath }, MISBEHAVE);
    expect(error).toMatch(/was built with rustc 1\.97\.0 .*and the host bridge with rustc 1\.95\.0 .*no installed Rust toolchain is rustc 1\.97\.0 .*install it with `rustup toolchain install 1\.97\.0` \(or `haloforge toolchain install 1\.97\.0`\), then restart the plugin$/);
  });

  it('a library whose .comment names a compiler as no rustc writes it: never shown, never made into a command', async () => {
    const { libraryPath } = installSample(scratchHome(), { sample: 'misbehave' });
    pretendCommentSays(libraryPath, '1.99.0;curl${IFS}-s${IFS}x|sh (a b)');
    const error = await refused({ sample: 'misbehave', library: libraryPath }, MISBEHAVE);
    expect(error).toMatch(/was built by an unrecognised compiler/);
    expect(error).not.toMatch(/curl|rustup|1\.99/);
  });

  it('a file that is not a library', async () => {
    const fake = join(scratchHome(), 'fake.so');
    writeFileSync(fake, 'this is a text file, not ELF\n');
    const error = await refused({ sample: 'misbehave', library: fake }, MISBEHAVE);
    expect(error).toMatch(/is not a native shared library/);
  });

  it('a library without the HaloForge entry points', async () => {
    const error = await refused({ sample: 'misbehave', library: join(release, 'libhf_host_bridge.so') }, MISBEHAVE);
    expect(error).toMatch(/is not a HaloForge plugin: it does not export _haloforge_plugin_create, _haloforge_plugin_destroy, _haloforge_abi_version/);
  });

  it('a missing library', async () => {
    const { host } = await startHost([{ sample: 'misbehave', library: false }]);
    const expected = join(host.layout.plugins, MISBEHAVE, 'native', 'libhf_misbehave.so');
    expect(host.plugins.get(MISBEHAVE)).toMatchObject({ state: 'error', error: `plugin library not found: ${expected}` });
  });

  it('a plugin whose metadata id differs from its manifest', async () => {
    const error = await refused({ sample: 'misbehave', manifest: (m) => (m.id = 'dev.haloforge.test.impostor') }, 'dev.haloforge.test.impostor');
    expect(error).toMatch(/says its id is 'dev\.haloforge\.test\.misbehave', but its manifest says 'dev\.haloforge\.test\.impostor'/);
  });
});

describe("ctx.log", () => {
  it('writes to the day\'s log with the plugin id, redacting bearer tokens', async () => {
    const { host, home } = await startHost([{ sample: 'misbehave' }]);
    await host.plugins.invoke(MISBEHAVE, 'log', { level: 'info', message: 'request sent Authorization: Bearer abc123' });
    await host.plugins.invoke(MISBEHAVE, 'log', { level: 'debug', message: 'debug detail' });
    const text = logText(home);
    expect(text).toMatch(/^\S+ {2}INFO dev\.haloforge\.test\.misbehave: misbehave loaded$/m);
    expect(text).toContain('INFO dev.haloforge.test.misbehave: request sent Authorization: Bearer [REDACTED]');
    expect(text).not.toContain('abc123');
    expect(text).not.toContain('debug detail');
  });

  it('writes Debug records when RUST_LOG asks for them', async () => {
    const { host, home } = await startHost([{ sample: 'misbehave' }], { rustLog: 'debug' });
    await host.plugins.invoke(MISBEHAVE, 'log', { level: 'debug', message: 'debug detail' });
    expect(logText(home)).toContain('DEBUG dev.haloforge.test.misbehave: debug detail');
  });
});

describe('the host bridge', () => {
  it('speaks the plugin ABI and host API version the manifest validator checks against', async () => {
    const { HOST_API_VERSION } = await import('../../main/core/manifest/validate');
    const script = `
      const ffi = require('ffi-rs');
      ffi.open({ library: 'b', path: ${JSON.stringify(join(release, 'libhf_host_bridge.so'))} });
      const p = ffi.load({ library: 'b', funcName: 'hf_bridge_info', retType: ffi.DataType.External, paramsType: [], paramsValue: [] });
      const [text] = ffi.restorePointer({ retType: [ffi.DataType.String], paramsValue: ffi.wrapPointer([p]) });
      process.stdout.write(text);`;
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: join(release, '..', '..', '..') });
    const info = JSON.parse(r.stdout) as { abiVersion: number; hostApiVersion: string; rustc: string };
    expect(info).toMatchObject({ abiVersion: 1, hostApiVersion: HOST_API_VERSION });
    expect(info.rustc).toMatch(/^\d+\.\d+\.\d+/);
  });
});
