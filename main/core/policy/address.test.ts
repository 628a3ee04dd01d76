import { describe, expect, it } from 'vitest';
import { localityOf } from './address';

describe('where a host is, as a prompt says it before any lookup', () => {
  const own = new Set(['192.0.2.10']);
  it.each([
    ['localhost', 'this computer'],
    ['app.localhost', 'this computer'],
    ['127.0.0.1', 'this computer'],
    ['[::1]', 'this computer'],
    ['192.0.2.10', 'this computer'],
    ['192.168.1.20', 'the local network'],
    ['10.0.0.8', 'the local network'],
    ['printer.local', 'the local network'],
  ])('%s is on %s', (host, where) => {
    expect(localityOf(host, own)).toBe(where);
  });

  it.each(['api.example.com', '93.184.215.14'])('%s is not said to be anywhere in particular', (host) => {
    expect(localityOf(host, own)).toBeUndefined();
  });
});
