import { describe, expect, it } from 'vitest';
import { pluginHostEnv } from './host-env';

describe('the environment of a plugin host', () => {
  it('leaves out variables named like secrets', () => {
    const secret = ['GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'OPENAI_API_KEY', 'DB_PASSWORD', 'P4PASSWD', 'NPM_TOKEN', 'STRIPE_KEY', 'GOOGLE_APPLICATION_CREDENTIALS', 'apikey'];
    expect(Object.keys(pluginHostEnv(Object.fromEntries(secret.map((k) => [k, 'x']))))).toEqual([]);
  });

  it('keeps what tools need to run', () => {
    const env = { PATH: '/usr/bin', HOME: '/home/u', PWD: '/w', LANG: 'C.UTF-8', SSH_AUTH_SOCK: '/tmp/s', XAUTHORITY: '/x', P4PORT: 'ssl:p4:1666', KEYBOARD_LAYOUT: 'us', RUST_LOG: 'info' };
    expect(pluginHostEnv(env)).toEqual(env);
  });
});
