import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
