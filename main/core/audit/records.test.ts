import { describe, expect, it } from 'vitest';
import type { AuditEntry } from './entry';
import { AuditIndex, toCsv, toJsonLines } from './records';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString();
const line = (e: Partial<AuditEntry> & Pick<AuditEntry, 'requestId' | 'event'>): AuditEntry => ({
  time: at(0),
  hop: 0,
  pluginId: 'dev.t.browser',
  method: 'GET',
  url: 'https://api.example.com/v1?q=1',
  decision: 'allow',
  rule: 'grant',
  reason: 'the user allowed it',
  ...e,
});

function index(...entries: AuditEntry[]): AuditIndex {
  const i = new AuditIndex();
  for (const e of entries) i.add(e);
  return i;
}

describe('the audit as records', () => {
  it('joins a request decision, its redirect hops and its outcome into one record', () => {
    const i = index(
      line({ requestId: 'r1', event: 'decision', prompt: 'allow-once', rule: 'prompt' }),
      line({ requestId: 'r1', event: 'decision', hop: 1, url: 'https://cdn.example.com/x', time: at(1) }),
      line({ requestId: 'r1', event: 'response', hop: 1, status: 200, bytes: 512, durationMs: 40, time: at(2) }),
    );
    const { total, records } = i.query({}, 0, 10);
    expect(total).toBe(1);
    expect(records[0]).toMatchObject({ requestId: 'r1', host: 'api.example.com', prompt: 'allow-once', outcome: 'allowed', status: 200, bytes: 512, durationMs: 40 });
    expect(records[0]?.entries).toHaveLength(3);
  });

  it('colours a request by how it ended: denied, failed, or still going', () => {
    const i = index(
      line({ requestId: 'denied', event: 'decision', decision: 'deny', rule: 'address:private' }),
      line({ requestId: 'failed', event: 'decision', time: at(1) }),
      line({ requestId: 'failed', event: 'error', error: 'connection refused', time: at(2) }),
      line({ requestId: 'going', event: 'decision', time: at(3) }),
      line({ requestId: 'file', event: 'decision', method: 'FILE', url: 'file:///srv/repo/a.txt', time: at(4) }),
    );
    expect(i.query({}, 0, 10).records.map((r) => [r.requestId, r.outcome])).toEqual([
      ['file', 'allowed'],
      ['going', 'pending'],
      ['failed', 'failed'],
      ['denied', 'denied'],
    ]);
  });

  it('filters by plugin, kind, decision, host, URL text, rule and time, newest first, a page at a time', () => {
    const i = index(
      line({ requestId: 'a', event: 'decision', time: at(1) }),
      line({ requestId: 'b', event: 'decision', url: 'http://10.0.0.8/admin', decision: 'deny', rule: 'address:private', time: at(2) }),
      line({ requestId: 'c', event: 'decision', method: 'SPAWN', url: 'process:git', pluginId: 'dev.t.git', time: at(3) }),
    );
    const ids = (f: Parameters<AuditIndex['query']>[0]) => i.query(f, 0, 10).records.map((r) => r.requestId);
    expect(ids({})).toEqual(['c', 'b', 'a']);
    expect(ids({ pluginId: 'dev.t.git' })).toEqual(['c']);
    expect(ids({ kind: 'network' })).toEqual(['b', 'a']);
    expect(ids({ decision: 'deny' })).toEqual(['b']);
    expect(ids({ host: 'api.exa' })).toEqual(['a']);
    expect(ids({ text: '/ADMIN' })).toEqual(['b']);
    expect(ids({ rule: 'address' })).toEqual(['b']);
    expect(ids({ since: at(2), until: at(2) })).toEqual(['b']);
    expect(i.query({}, 1, 1)).toEqual({ total: 3, records: [expect.objectContaining({ requestId: 'b' })] });
  });

  it('exports exactly what a filter shows: CSV one line per record, JSON lines as the file holds them', () => {
    const i = index(line({ requestId: 'a', event: 'decision', reason: 'said "yes", twice' }), line({ requestId: 'a', event: 'response', status: 204 }), line({ requestId: 'b', event: 'decision', url: '=HYPERLINK("x")', time: at(1) }));
    const csv = toCsv(i.matching({}));
    expect(csv.split('\n')[0]).toBe('time,pluginId,kind,method,url,decision,rule,reason,prompt,change,by,outcome,status,bytes,bytesSent,durationMs,error,requestId');
    expect(csv).toContain('"said ""yes"", twice"');
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(toJsonLines(i.matching({ text: 'api.example' })).trim().split('\n').map((l) => (JSON.parse(l) as AuditEntry).event)).toEqual(['decision', 'response']);
  });
});

describe("the user's changes as records", () => {
  const change = (e: Partial<AuditEntry>): AuditEntry =>
    line({ requestId: 'c1', event: 'decision', method: 'CHANGE', url: 'https://api.example.com:443', rule: 'user:grant-revoked', decision: 'deny', change: 'grant-revoked', by: 'command line', ...e });

  it('are a kind of their own, changed whichever way they went, saying who made them', () => {
    const [r] = index(change({})).query({ kind: 'user-change' }, 0, 10).records;
    expect(r).toMatchObject({ kind: 'user-change', outcome: 'changed', change: 'grant-revoked', by: 'command line', decision: 'deny' });
  });

  it('about an origin are found by its host, as its requests are', () => {
    const i = index(change({}), change({ requestId: 'c2', url: 'permission:network_http', change: 'approval-given', decision: 'allow' }));
    expect(i.query({ host: 'api.example.com' }, 0, 10).records.map((r) => r.requestId)).toEqual(['c1']);
    expect(i.query({ kind: 'user-change', decision: 'allow' }, 0, 10).records.map((r) => r.change)).toEqual(['approval-given']);
  });

  it('export with who made them and what kind of change', () => {
    const csv = toCsv(index(change({})).matching({}));
    expect(csv.split('\n')[1]).toContain(',grant-revoked,command line,changed,');
  });
});
