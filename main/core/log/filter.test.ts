import { describe, expect, it } from 'vitest';
import { parseRustLog } from './filter';

describe('RUST_LOG', () => {
  it('lets info and up through when unset', () => {
    const allow = parseRustLog(undefined);
    expect(allow('host', 'info')).toBe(true);
    expect(allow('host', 'debug')).toBe(false);
  });

  it('lowers the level globally', () => {
    expect(parseRustLog('debug')('dev.example.my-plugin', 'debug')).toBe(true);
    expect(parseRustLog('debug')('dev.example.my-plugin', 'trace')).toBe(false);
  });

  it('lowers it for one plugin, spelled with underscores as the guide does', () => {
    const allow = parseRustLog('dev.example.my_plugin=trace');
    expect(allow('dev.example.my-plugin', 'trace')).toBe(true);
    expect(allow('dev.other.plugin', 'debug')).toBe(false);
  });

  it('lets the most specific directive win and ignores nonsense', () => {
    const allow = parseRustLog('warn,dev.example=debug,bogus=loud');
    expect(allow('dev.example.my-plugin', 'debug')).toBe(true);
    expect(allow('host', 'info')).toBe(false);
    expect(allow('bogus', 'info')).toBe(false);
  });

  it('turns a target off', () => {
    expect(parseRustLog('dev.noisy=off')('dev.noisy', 'error')).toBe(false);
  });
});
