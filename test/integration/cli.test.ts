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
