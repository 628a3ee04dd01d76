import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowStore } from '../../main/core/workflows/store';
import { installSample, root, tempHome } from '../helpers/fixtures';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function haloforge(home: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), ...args], {
    env: { ...process.env, RUST_LOG: '', ...env, HALOFORGE_HOME: home },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withPlugins(...samples: string[]): string {
  const t = tempHome();
  cleanup = t.cleanup;
  for (const sample of samples) installSample(t.home, { sample });
  return t.home;
}

describe('haloforge invoke', () => {
  it('prints the result as JSON and exits 0', () => {
    const home = withPlugins('hello');
    const r = haloforge(home, ['invoke', 'dev.example.my-plugin', 'ping', '{"value":1}']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, echo: { value: 1 } });
  });

  it('prints the error on stderr and exits non-zero', () => {
    const home = withPlugins('misbehave');
    const r = haloforge(home, ['invoke', 'dev.haloforge.test.misbehave', 'not_found', '{"what":"x"}']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('Not found: x');
  });

  it('refuses arguments that are not JSON, and an unknown plugin', () => {
    const home = withPlugins('hello');
    expect(haloforge(home, ['invoke', 'dev.example.my-plugin', 'ping', '{nope'])).toMatchObject({ status: 2, stderr: expect.stringContaining('json-args is not JSON') });
    expect(haloforge(home, ['invoke', 'dev.nobody', 'ping'])).toMatchObject({ status: 1, stderr: expect.stringContaining('Not found: no plugin dev.nobody') });
  });

  it('writes Debug records only when RUST_LOG asks for them, per plugin target', () => {
    const home = withPlugins('misbehave');
    const logs = () => readdirSync(join(home, 'logs')).map((f) => readFileSync(join(home, 'logs', f), 'utf8')).join('');
    haloforge(home, ['invoke', 'dev.haloforge.test.misbehave', 'log', '{"level":"debug","message":"first"}']);
    expect(logs()).not.toContain('first');
    haloforge(home, ['invoke', 'dev.haloforge.test.misbehave', 'log', '{"level":"debug","message":"second"}'], { RUST_LOG: 'dev.haloforge.test.misbehave=debug' });
    expect(logs()).toContain('DEBUG dev.haloforge.test.misbehave: second');
  });
});

describe('haloforge policy check', () => {
  const manifest = join(root, 'native', 'plugins', 'fetcher', 'manifest.json');
  const check = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), 'policy', 'check', '--manifest', manifest, ...args], { encoding: 'utf8', env: { ...process.env, HALOFORGE_HOME: '/nonexistent' } });
    return { status: r.status, result: r.status === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : r.stderr };
  };

  it('prints the decision for a host in scope, with DNS stood in for by --resolve', () => {
    expect(check('--url', 'https://api.example.com/v1', '--resolve', 'api.example.com=93.184.215.14')).toEqual({
      status: 0,
      result: { decision: 'allow', rule: 'network_http_domain:api.example.com', reason: expect.any(String), addresses: ['93.184.215.14'] },
    });
  });

  it('shows that a rebinding answer to a private address is denied', () => {
    expect(check('--url', 'https://api.example.com/v1', '--resolve', 'api.example.com=10.0.0.8').result).toMatchObject({ decision: 'deny', rule: 'address:private' });
  });

  it('denies a host outside the scope without looking it up', () => {
    expect(check('--url', 'https://evil.example.net/').result).toMatchObject({ decision: 'deny', rule: 'network_http_domain:no-match', addresses: null });
  });

  it('refuses a call without --url', () => {
    expect(check()).toMatchObject({ status: 2, result: expect.stringContaining('needs --manifest and --url') });
  });
});

describe('haloforge workflow', () => {
  const STEPS = 'dev.haloforge.sample.text-steps';

  it('lists workflows and step types, and runs one by name with each step, exiting 1 when a step fails', () => {
    const home = withPlugins('text-steps');
    expect(haloforge(home, ['approve', STEPS, '--yes']).status).toBe(0);
    const store = new WorkflowStore(join(home, 'workflows.json'));
    const good = store.save({ name: 'Shout', steps: [{ type: `${STEPS}:transform_text`, config: { text: 'hi' } }] });
    store.save({ name: 'Doubt', steps: [{ type: `${STEPS}:expect_text`, config: { text: 'hi', contains: 'yo' } }, { type: `${STEPS}:transform_text`, config: { text: 'x' } }] });

    const list = haloforge(home, ['workflow', 'list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(`  ${good.id}  Shout  (1 steps)\n    1. Transform text  {"text":"hi"}\n`);
    expect(list.stdout).toContain(`  ${STEPS}:expect_text  Expect text [Checks] — Fails unless the text contains what you expect\n`);

    const ran = haloforge(home, ['workflow', 'run', 'Shout', '--json']);
    expect(ran.status).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ workflowId: good.id, state: 'succeeded', steps: [{ state: 'succeeded', value: { text: 'HI', stepsRun: 1 } }] });

    const failed = haloforge(home, ['workflow', 'run', 'Doubt']);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/^Doubt \(wf-[0-9a-f]{12}\): failed in \d+ ms\n {2}1\. Expect text {2}failed {2}\d+ ms {2}expected "hi" to contain "yo"\n {2}2\. Transform text {2}skipped\n$/);

    expect(haloforge(home, ['workflow', 'run', 'Nothing'])).toMatchObject({ status: 1, stderr: 'Not found: no workflow has the id or name "Nothing"\n' });
    expect(haloforge(home, ['workflow', 'walk'])).toMatchObject({ status: 2, stderr: expect.stringContaining('workflow needs list or run') });
  });
});

describe('haloforge install with no terminal to ask on', () => {
  it('refuses, says why, and names --yes and --approve', () => {
    const t = tempHome();
    cleanup = t.cleanup;
    const home = join(t.home, 'not-yet-created');
    const r = haloforge(home, ['install', join(root, 'out', 'samples', 'fetcher')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('dev.haloforge.sample.fetcher was not installed: its permissions need your approval and there is no terminal to ask on. Run it again with --yes');
    expect(r.stderr).toContain('--approve <key> for each (network_http_domain:api.example.com)');
  });
});

describe('haloforge for a newcomer', () => {
  it('answers --help with the usage on stdout and exit 0; no command at all is a mistake (exit 2)', () => {
    const home = withPlugins();
    const help = haloforge(home, ['--help']);
    expect(help).toMatchObject({ status: 0, stderr: '' });
    expect(help.stdout).toContain('haloforge install <folder|file.hfpkg>');
    expect(help.stdout).toContain('haloforge init <folder>');
    expect(haloforge(home, [])).toMatchObject({ status: 2, stdout: '' });
  });

  it('says in a few lines what install did, and the whole record with --json', () => {
    const home = withPlugins();
    const r = haloforge(home, ['install', join(root, 'out', 'samples', 'fetcher'), '--yes']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      'installed Fetcher (dev.haloforge.sample.fetcher) 0.1.0: active\n  may use: network_http_domain:api.example.com\n  details: haloforge show dev.haloforge.sample.fetcher --json\n',
    );
  });

  it('runs the README\'s git-status example as written: install, grant the repository, invoke log', () => {
    const home = withPlugins();
    const repo = join(home, '..', `repo-${process.pid}`);
    const git = (...args: string[]) => spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
    spawnSync('git', ['init', '-q', repo]);
    try {
      for (const subject of ['first', 'second']) git('commit', '-q', '--allow-empty', '-m', subject);
      expect(haloforge(home, ['install', join(root, 'out', 'samples', 'git-status'), '--yes']).status).toBe(0);
      expect(haloforge(home, ['grant', 'dev.haloforge.sample.git-status', '--read', repo]).status).toBe(0);
      const r = haloforge(home, ['invoke', 'dev.haloforge.sample.git-status', 'log', JSON.stringify({ path: repo })]);
      expect(r.stderr).toBe('');
      // Judged against the repository itself, not the plugin's word.
      const real = git('log', '--format=%h%x09%s').stdout.trim().split('\n').map((l) => ({ id: l.split('\t')[0], subject: l.split('\t')[1] }));
      expect(JSON.parse(r.stdout)).toEqual({ commits: real });
      expect(real.map((c) => c.subject)).toEqual(['second', 'first']);
    } finally {
      spawnSync('rm', ['-rf', repo]);
    }
  });
});

describe('haloforge init and pack, for plugin authors', () => {
  it('init writes a valid manifest naming the library the crate builds, and will not overwrite one', () => {
    const t = tempHome();
    cleanup = t.cleanup;
    const crate = join(t.home, 'weather');
    mkdirSync(crate);
    writeFileSync(join(crate, 'Cargo.toml'), '[package]\nname = "hf-weather"\nversion = "0.1.0"\n');
    const r = haloforge(t.home, ['init', crate, '--id', 'dev.me.weather', '--name', 'Weather']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const manifest = JSON.parse(readFileSync(join(crate, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ id: 'dev.me.weather', name: 'Weather', version: '0.1.0', entry: { native: { linux_x64: 'native/libhf_weather.so' } }, permissions: [], commands: [] });
    expect(haloforge(t.home, ['init', crate])).toMatchObject({ status: 1, stderr: expect.stringContaining('exists already') as string });
    expect(haloforge(t.home, ['init', join(t.home, 'nowhere')])).toMatchObject({ status: 1 });
    expect(haloforge(t.home, ['init', crate.replace('weather', 'other'), '--id', 'Not An Id'])).toMatchObject({ status: 1 });
  });

  it('pack makes an .hfpkg and its .sha256 that install checks and installs', () => {
    const t = tempHome();
    cleanup = t.cleanup;
    const folder = join(t.home, 'hello-src');
    cpSync(join(root, 'out', 'samples', 'hello'), folder, { recursive: true });
    const pkg = join(t.home, 'hello.hfpkg');
    const packed = haloforge(t.home, ['pack', folder, '--out', pkg]);
    expect(packed.status).toBe(0);
    const digest = readFileSync(`${pkg}.sha256`, 'utf8').split(/\s+/)[0] as string;
    expect(packed.stdout).toContain(`sha256 ${digest}`);
    const home = join(t.home, 'home');
    const installed = haloforge(home, ['install', pkg, '--sha256', digest, '--json']);
    expect(installed.status).toBe(0);
    expect(JSON.parse(installed.stdout)).toMatchObject({ id: 'dev.example.my-plugin', state: 'active', install_source: expect.stringContaining('verified against the digest you gave') as string });
    expect(haloforge(t.home, ['pack', join(t.home, 'empty-folder')])).toMatchObject({ status: 1 });
  });
});
