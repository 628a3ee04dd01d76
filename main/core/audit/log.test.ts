import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchHome } from '../../../test/helpers/per-test';
import { AuditLog } from './log';
import type { AuditEntry } from './entry';

const file = () => join(scratchHome(), 'audit.jsonl');
const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  time: '2026-11-25T10:00:00.000Z',
  requestId: 'r',
  hop: 0,
  event: 'decision',
  pluginId: 'dev.a',
  method: 'GET',
  url: 'https://x/',
  decision: 'allow',
  rule: 'grant',
  reason: 'r',
  ...over,
});

describe('the audit log', () => {
  it('keeps the order of events when an outcome is queued before the next decision', () => {
    const path = file();
    const log = new AuditLog(path);
    log.append(entry({ hop: 0 }));
    log.appendLater(entry({ hop: 0, event: 'response', status: 302 }), (e) => {
      throw e;
    });
    log.append(entry({ hop: 1, decision: 'deny' }));
    log.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEntry);
    expect(lines.map((l) => [l.hop, l.event])).toEqual([
      [0, 'decision'],
      [0, 'response'],
      [1, 'decision'],
    ]);
  });

  it('shows a query the outcomes it has not written yet, so a reader never misses what already happened', () => {
    const log = new AuditLog(file());
    log.append(entry({ event: 'decision' }));
    log.appendLater(entry({ event: 'response', status: 200 }), (e) => {
      throw e;
    });
    expect(log.query().map((e) => e.event)).toEqual(['decision', 'response']);
    log.close();
  });

  it('starts a new file when its file was deleted under it, instead of writing into the deleted one', () => {
    const path = file();
    const log = new AuditLog(path);
    log.append(entry({ requestId: 'before' }));
    rmSync(path);
    log.append(entry({ requestId: 'after' }));
    log.close();
    expect(log.query().map((e) => e.requestId)).toEqual(['after']);
  });

  it('answers queries by plugin, decision and time', () => {
    const path = file();
    const log = new AuditLog(path);
    log.append(entry({ pluginId: 'dev.a', decision: 'deny', time: '2026-11-25T09:00:00.000Z' }));
    log.append(entry({ pluginId: 'dev.b', decision: 'allow', time: '2026-11-25T11:00:00.000Z' }));
    log.close();
    expect(log.query({ pluginId: 'dev.a' })).toHaveLength(1);
    expect(log.query({ decision: 'allow' }).map((e) => e.pluginId)).toEqual(['dev.b']);
    expect(log.query({ since: new Date('2026-11-25T10:00:00Z') }).map((e) => e.pluginId)).toEqual(['dev.b']);
  });

  it('fails loudly when it cannot write, so the broker can refuse the request', () => {
    const log = new AuditLog('/nonexistent-dir/audit.jsonl');
    expect(() => log.append(entry({}))).toThrow(/ENOENT/);
  });

  it('writes decisions made in one turn together, and lets none of them go before they are on disk', async () => {
    const path = file();
    const batches: number[] = [];
    let inBatch = 0;
    const log = new AuditLog(path, () => {
      inBatch++;
      queueMicrotask(() => {
        if (inBatch > 0) batches.push(inBatch);
        inBatch = 0;
      });
    });
    const written = [1, 2, 3].map((hop) => log.appendBeforeSending(entry({ hop })));
    expect(log.query()).toEqual([]);
    await Promise.all(written);
    expect(log.query().map((e) => e.hop)).toEqual([1, 2, 3]);
    expect(batches).toEqual([3]);
    log.close();
  });

  it('refuses every decision of a turn when their write fails', async () => {
    const log = new AuditLog('/nonexistent-dir/audit.jsonl');
    const written = [1, 2].map((hop) => log.appendBeforeSending(entry({ hop })));
    for (const w of written) await expect(w).rejects.toThrow(/ENOENT/);
  });
});

describe('a refusal', () => {
  it('stands whether or not it could be written, and a lost one is reported, not thrown', () => {
    const lost: string[] = [];
    const full = new AuditLog('/dev/full', undefined, (entry, e) => lost.push(`${entry.url}: ${e.message}`));
    expect(() => full.refuse({ pluginId: '(panel)', method: 'IPC', url: 'ipc:hf:nope', rule: 'ipc:refused', reason: 'unknown channel' })).not.toThrow();
    expect(lost).toEqual([expect.stringMatching(/^ipc:hf:nope: ENOSPC/)]);
  });
});
