import { describe, expect, it } from 'vitest';
import { checkBridgeMessage, readLoadedPlugin } from './message-check';

const none = new Set<string>();
const all = new Set(['events_emit', 'network_http', 'filesystem_read', 'process_spawn_whitelist']);

describe('what main accepts from a plugin host', () => {
  it.each([
    [{ type: 'log', target: 'x', level: 'info', message: 'hi' }],
    [{ type: 'notify', target: 'x', notification: { title: 't', message: 'm', kind: 'info' } }],
    [{ type: 'settings', id: 3, values: { a: 1 } }],
    [{ type: 'loaded', ok: false, code: 'c', error: 'e' }],
  ])('accepts what every plugin may say: %j', (m) => {
    expect(checkBridgeMessage(m, none)).toEqual({ ok: true, message: m });
  });

  it.each([
    [{ type: 'event', target: 'x', name: 'saved', payload: 1 }, 'events_emit'],
    [{ type: 'http', id: 1, method: 'GET', url: 'https://x/', headers: {}, body: null }, 'network_http or network_http_domain'],
  ])('refuses %j unless the plugin holds %s', (m, needs) => {
    expect(checkBridgeMessage(m, none)).toEqual({ ok: false, reason: expect.stringContaining(needs) as string });
    expect(checkBridgeMessage(m, all).ok).toBe(true);
  });

  it.each([
    [null, 'a message that is not an object'],
    [[1], 'a message that is not an object'],
    // Results travel beside the control messages, never among them (see outbox-format).
    [{ type: 'result', id: 1, ok: true, value: 1 }, 'a message of unknown type "result"'],
    // Files are the sandbox's own view: main does no file work for a plugin, so asks for none.
    [{ type: 'fs', id: 1, op: 'read_file', path: '/etc/hostname' }, 'a message of unknown type "fs"'],
    // Programs go through the shim and the supervisor (design §8.1), never through the plugin host's channel.
    [{ type: 'process', id: 1, program: 'git', args: ['status'], cwd: null }, 'a message of unknown type "process"'],
    [{ type: 'http', id: 1, method: 'DELETE', url: 'https://x/' }, 'a malformed HTTP request'],
    // A POST's body travels beside its message too.
    [{ type: 'http', id: 1, method: 'POST', url: 'https://x/', body: { a: 1 } }, 'a malformed HTTP request'],
    [{ type: 'event', name: '' }, 'a malformed event'],
    [{ type: 'audit', decision: 'allow' }, 'a message of unknown type "audit"'],
    [{ type: 'settings-saved' }, 'a message of unknown type "settings-saved"'],
  ])('refuses malformed and unknown messages: %j', (m, reason) => {
    expect(checkBridgeMessage(m, all)).toEqual({ ok: false, reason });
  });
});

describe('what a plugin host says its plugin is', () => {
  const metadata = { id: 'dev.t.p', name: 'T', version: '1', description: '', author: '', abiVersion: 1, rustc: '1.95.0', sharedStd: true, workflowStepTypes: [{ typeId: 'go' }, { typeId: '../x' }] };

  it('keeps the texts, the command names and the well-formed step types', () => {
    const read = readLoadedPlugin(metadata, ['fetch']);
    expect(read).toMatchObject({ ok: true, commands: ['fetch'], metadata: { id: 'dev.t.p', rustc: '1.95.0', sharedStd: true }, problems: ['a workflow step type with a malformed id "../x" was ignored'] });
    expect(read.ok && read.metadata.workflowStepTypes.map((t) => t.typeId)).toEqual(['go']);
  });

  it('refuses metadata whose fields are not texts, and commands that are not names', () => {
    expect(readLoadedPlugin({ ...metadata, name: { toString: 'x' } }, [])).toEqual({ ok: false, reason: 'a load reply whose metadata field name is not a text' });
    expect(readLoadedPlugin(metadata, [1])).toEqual({ ok: false, reason: 'a load reply whose commands are not a list of names' });
    expect(readLoadedPlugin(undefined, [])).toEqual({ ok: false, reason: 'a load reply without metadata' });
  });
});
