import { describe, expect, it } from 'vitest';
import type { Denial, FileGrant } from '../grants/grant-types';
import type { NetworkGrant } from '../policy/engine';
import { grantChangeRecord } from './changes';

const terms = { id: 'g1', pluginId: 'dev.a', createdAt: '2026-12-01T10:00:00.000Z', via: 'prompt: allow always', lasts: 'always' as const, expiresAt: null, lastUsedAt: null };
const origin: NetworkGrant = { ...terms, permission: 'network_http', scheme: 'https', host: 'api.example.com', port: 443 };
const folder: FileGrant = { ...terms, permission: 'filesystem_write', folder: '/srv/repo' };
const denial: Denial = { ...terms, via: 'prompt: deny always', permission: 'deny', denied: 'network_http', scheme: 'https', host: 'ads.example.com', port: 443 };

describe('a change to what a plugin may do, as its record', () => {
  it('a grant given widens, with what it covers, for how long and how it was given', () => {
    expect(grantChangeRecord({ change: 'grant-given', grant: origin, by: 'panel' })).toEqual({
      change: 'grant-given',
      pluginId: 'dev.a',
      subject: 'https://api.example.com:443',
      what: 'granted https://api.example.com:443 always (prompt: allow always)',
      decision: 'allow',
      by: 'panel',
      grantId: 'g1',
    });
  });

  it('a folder grant revoked narrows, naming the folder as a file URL and when it was given', () => {
    expect(grantChangeRecord({ change: 'grant-revoked', grant: folder, by: 'command line' })).toMatchObject({
      subject: 'file:///srv/repo',
      what: 'revoked the grant of changing /srv/repo/ always (prompt: allow always, given 2026-12-01T10:00:00.000Z)',
      decision: 'deny',
      by: 'command line',
    });
  });

  it('a "deny always" given narrows, and revoking it widens again', () => {
    expect(grantChangeRecord({ change: 'grant-given', grant: denial, by: 'panel' })).toMatchObject({
      what: 'denied https://ads.example.com:443 always: the plugin is not asked again until this is revoked (prompt: deny always)',
      decision: 'deny',
    });
    expect(grantChangeRecord({ change: 'grant-revoked', grant: denial, by: 'panel' })).toMatchObject({ decision: 'allow' });
  });

  it('a narrowing says from what to what', () => {
    const day = { ...origin, lasts: 'day' as const, expiresAt: '2026-12-02T10:00:00.000Z' };
    expect(grantChangeRecord({ change: 'grant-narrowed', grant: day, before: origin, by: 'panel' }).what).toBe(
      'narrowed https://api.example.com:443 always to https://api.example.com:443 for 24 hours, until 2026-12-02T10:00:00.000Z',
    );
  });

  it('a grant that ran out is the host\'s change, with when', () => {
    const day = { ...origin, lasts: 'day' as const, expiresAt: '2026-12-02T10:00:00.000Z' };
    expect(grantChangeRecord({ change: 'grant-expired', grant: day, by: 'host' })).toMatchObject({ by: 'host', decision: 'deny', what: expect.stringContaining('ran out at 2026-12-02T10:00:00.000Z') as string });
  });

  it('local network access turned on widens, off narrows', () => {
    expect(grantChangeRecord({ change: 'local-network-on', pluginId: 'dev.a', by: 'panel' })).toMatchObject({ subject: 'network:local', decision: 'allow' });
    expect(grantChangeRecord({ change: 'local-network-off', pluginId: 'dev.a', by: 'panel' })).toMatchObject({ decision: 'deny' });
  });
});
