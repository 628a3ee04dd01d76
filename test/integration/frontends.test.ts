import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtArtifacts } from '../../main/core/app-paths';
import { createFrameServer, frameLabel } from '../../main/core/frontends/frame-server';
import { createHost, type Host } from '../../main/core/host';
import { FileLogger } from '../../main/core/log/logger';
import { homeLayout } from '../../main/core/paths';
import { installSample } from '../helpers/fixtures';
import { scratchHome, tracked } from '../helpers/per-test';

const PANEL = 'dev.haloforge.sample.hello-panel';
const NOTES = 'dev.haloforge.sample.notes';
const PANELS = 'http://app.localhost:4000';

async function start(): Promise<{ host: Host; home: string; dir: string }> {
  const home = scratchHome();
  const { dir } = installSample(home, { sample: 'hello-panel' });
  installSample(home, { sample: 'notes' });
  installSample(home, { sample: 'hello' });
  const host = tracked(createHost({ home, logger: new FileLogger(homeLayout(home).logs, '') }));
  host.plugins.discover();
  await host.plugins.approve(PANEL, 'all');
  await host.plugins.approve(NOTES, 'all');
  await host.start();
  return { host, home, dir };
}

const serverOf = (host: Host) => createFrameServer({ lookup: (label) => host.plugins.framed(label), runtimePath: builtArtifacts().frameRuntime, panelOrigins: [PANELS] });
const get = (host: Host, path: string, label = frameLabel(PANEL)) => serverOf(host)(label, new URL(path, 'http://frame.invalid'));

describe("a plugin's frame origin", () => {
  it('serves the frame document under a CSP with no network, framed only by the panels', async () => {
    const { host } = await start();
    const page = await get(host, `/?view=panel&panel=${encodeURIComponent(PANELS)}`);
    expect(page.status).toBe(200);
    const csp = page.headers['content-security-policy'] ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'none'", "frame-src 'none'", `frame-ancestors ${PANELS}`]) expect(csp).toContain(directive);
    expect(String(page.body)).toContain('<script src="/__hf/frame-runtime.js" data-plugin-id="dev.haloforge.sample.hello-panel" data-view="panel"');
    expect(String(page.body)).toContain('<script src="/plugin/frontend/index.js" defer>');
    expect((await get(host, '/__hf/frame-runtime.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(host, '/plugin/frontend/index.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('puts every response under the frame CSP, an SVG the frame could navigate to and a 404 included', async () => {
    const { host, dir } = await start();
    writeFileSync(join(dir, 'frontend', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("http://evil.example")</script></svg>');
    const frameCspOf = (await get(host, `/?view=panel&panel=${encodeURIComponent(PANELS)}`)).headers['content-security-policy'];
    for (const path of ['/plugin/frontend/logo.svg', '/plugin/frontend/index.js', '/__hf/frame-runtime.js', '/nothing-here']) {
      expect((await get(host, path)).headers['content-security-policy'], path).toBe(frameCspOf);
    }
    expect((await get(host, '/plugin/frontend/logo.svg')).headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('refuses a panel origin it does not know, and a view it does not draw', async () => {
    const { host } = await start();
    expect((await get(host, `/?view=panel&panel=${encodeURIComponent('http://evil.example')}`)).status).toBe(404);
    expect((await get(host, `/?view=${encodeURIComponent('<script>')}&panel=${encodeURIComponent(PANELS)}`)).status).toBe(404);
  });

  it("serves only the frontend's own folders: not the manifest, the library, data/, a way out, or a link leading out", async () => {
    const { host, dir, home } = await start();
    writeFileSync(join(home, 'secret.json'), '{"token":"x"}');
    symlinkSync(join(home, 'secret.json'), join(dir, 'frontend', 'leak.json'));
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'planted.js'), 'alert(1)');
    for (const path of ['/plugin/manifest.json', '/plugin/native/libhf_hello_panel.so', '/plugin/data/planted.js', '/plugin/frontend/../manifest.json', '/plugin/%2e%2e/%2e%2e/secret.json', '/plugin/frontend/leak.json', '/plugin/frontend/index.html', '/etc/passwd']) {
      expect((await get(host, path)).status, path).toBe(404);
    }
  });

  it('serves nothing for a plugin that is not running or has no frontend', async () => {
    const { host } = await start();
    expect((await get(host, '/__hf/frame-runtime.js', frameLabel(NOTES))).status).toBe(404);
    await host.plugins.setEnabled(PANEL, false);
    expect((await get(host, '/__hf/frame-runtime.js')).status).toBe(404);
    expect(host.plugins.get(PANEL)?.frontend).toEqual({ label: frameLabel(PANEL), placements: [expect.objectContaining({ kind: 'module', moduleId: 'hello-panel' }), { kind: 'slot', slot: 'devkit.toolbar' }] });
  });
});

describe('what a frame may ask of main', () => {
  const invoke = (host: Host, caller: string, wire: string, args: unknown = {}) => host.frameCalls(caller, 'plugin_invoke', { args: { wire_name: wire, args } });

  it("calls its own plugin's commands, as the SDK's invokePlugin sends them", async () => {
    const { host } = await start();
    await expect(invoke(host, PANEL, 'plugin_dev_haloforge_sample_hello_panel_greet', { name: 'Ada' })).resolves.toEqual({ greeting: 'Hello, Ada!', count: 1 });
    await expect(invoke(host, PANEL, 'plugin_dev_haloforge_sample_hello_panel_greet', {})).rejects.toThrow('tell me your name first');
  });

  it("refuses another plugin's command it does not export, and audits the attempt", async () => {
    const { host } = await start();
    await expect(invoke(host, PANEL, 'plugin_dev_haloforge_sample_notes_list_notes')).rejects.toThrow(/^Permission denied: plugin dev\.haloforge\.sample\.hello-panel may not call plugin_dev_haloforge_sample_notes_list_notes/);
    expect(host.audit.query({ pluginId: PANEL })).toEqual([expect.objectContaining({ method: 'INVOKE', url: `plugin://${NOTES}/list_notes`, decision: 'deny', rule: 'cross-plugin:exported' })]);
  });

  it('reads and saves only its own settings', async () => {
    const { host } = await start();
    await expect(host.frameCalls(PANEL, 'plugin_get_settings', { pluginId: PANEL })).resolves.toEqual({});
    await expect(host.frameCalls(PANEL, 'plugin_get_settings', { pluginId: NOTES })).rejects.toThrow(`Permission denied: a frame of ${PANEL} may read settings of only its own plugin's, not ${NOTES}'s`);
    await expect(host.frameCalls(PANEL, 'plugin_save_settings', { pluginId: NOTES, settings: {} })).rejects.toThrow('Permission denied');
  });

  it('emits events only with events_emit, logs through the host log, and names a command it does not have', async () => {
    const { host } = await start();
    await expect(invoke(host, PANEL, 'plugin_dev_haloforge_sample_hello_panel_emit_event', { event: 'clicked', payload: 1 })).resolves.toBeNull();
    await expect(invoke(host, 'dev.example.my-plugin', 'plugin_dev_example_my_plugin_emit_event', { event: 'x' })).rejects.toThrow('Permission denied: emitting events needs the events_emit permission, which dev.example.my-plugin does not hold');
    await expect(host.frameCalls(PANEL, 'frontend_log_event', { level: 'warn', scope: 'plugin:x:panel', message: 'token=abc123secret here', details: null })).resolves.toBeNull();
    expect(host.logger.tail(20).find((r) => r.message.includes('[frontend plugin:x:panel]'))).toMatchObject({ level: 'warn', target: PANEL });
    await expect(host.frameCalls(PANEL, 'aichat_send_message', {})).rejects.toThrow("Unsupported operation: this host has no command 'aichat_send_message' for plugin frames");
    await expect(host.frameCalls(PANEL, 'devkit_get_profiles', {})).resolves.toEqual([]);
    await expect(host.frameCalls('dev.example.my-plugin', 'devkit_pick_directory', { title: 'x' })).rejects.toThrow('Permission denied: file dialogs need the host_file_dialogs permission, which dev.example.my-plugin does not hold');
    expect(host.dialogs.pending()).toEqual([]);
  });
});
