import { chromium } from '@playwright/test';
import { startWebHostProcess } from '../test/helpers/web-process';
import { summarize, type Summary } from './stats';

/** What the page sends: the channel and arguments of one panel call. */
export interface PanelCall {
  channel: string;
  args: unknown[];
}

export interface PanelTimings {
  single: { baseline: Summary; subject: Summary };
  bursts: { calls: { baseline: Summary; subject: Summary }; bursts: { baseline: Summary; subject: Summary } };
}

/**
 * Runs in the panel page. It talks to the web host over the panels' own transport (a WebSocket to
 * /ipc with the launch token, as renderer/src/bridge/web-bridge.ts does) and times calls with the
 * page's clock, which the web host's cross-origin isolation makes precise to a few microseconds.
 * Kept as plain JavaScript text because it is evaluated in the browser as it stands.
 */
const PROBE = `async ({ baseline, subject, rounds, perRound, burstRounds, burstSize }) => {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  const ws = new WebSocket('ws://' + location.host + '/ipc?token=' + encodeURIComponent(token));
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('WebSocket refused')); });
  let next = 1;
  const waiting = new Map();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id === undefined) return;
    const done = waiting.get(m.id);
    waiting.delete(m.id);
    if (done) done(m);
  };
  const call = (c) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, (m) => (m.error ? reject(new Error(m.error)) : resolve(m.result)));
    ws.send(JSON.stringify({ id, channel: c.channel, args: c.args }));
  });
  const timed = async (c) => { const t = performance.now(); await call(c); return performance.now() - t; };
  const single = { baseline: [], subject: [] };
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < perRound; i++) single.baseline.push(await timed(baseline));
    for (let i = 0; i < perRound; i++) single.subject.push(await timed(subject));
  }
  const calls = { baseline: [], subject: [] };
  const totals = { baseline: [], subject: [] };
  for (let r = 0; r < burstRounds; r++) {
    for (const key of ['baseline', 'subject']) {
      const c = key === 'baseline' ? baseline : subject;
      const t = performance.now();
      calls[key].push(...(await Promise.all(Array.from({ length: burstSize }, () => timed(c)))));
      totals[key].push(performance.now() - t);
    }
  }
  ws.close();
  return { isolated: crossOriginIsolated, single, calls, totals };
}`;

interface ProbeResult {
  isolated: boolean;
  single: { baseline: number[]; subject: number[] };
  calls: { baseline: number[]; subject: number[] };
  totals: { baseline: number[]; subject: number[] };
}

/**
 * Times `subject` against `baseline` as a real panel sees them: from a page in Debian's chromium,
 * against the real web host running in a process of its own with `samples` installed.
 */
export async function timeFromPanel(
  samples: string[],
  baseline: PanelCall,
  subject: PanelCall,
  counts: { rounds: number; perRound: number; burstRounds: number; burstSize: number },
): Promise<PanelTimings> {
  const { host, stop } = await startWebHostProcess(samples);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(host.url);
    const probe = { baseline, subject, ...counts };
    // A first short run warms up both ends; its figures are dropped.
    await page.evaluate(`(${PROBE})(${JSON.stringify({ ...probe, rounds: 1, burstRounds: 1 })})`);
    const r = (await page.evaluate(`(${PROBE})(${JSON.stringify(probe)})`)) as ProbeResult;
    if (!r.isolated) throw new Error('the panel page is not cross-origin isolated, so its clock is too coarse to time single calls');
    return {
      single: { baseline: summarize(r.single.baseline), subject: summarize(r.single.subject) },
      bursts: {
        calls: { baseline: summarize(r.calls.baseline), subject: summarize(r.calls.subject) },
        bursts: { baseline: summarize(r.totals.baseline), subject: summarize(r.totals.subject) },
      },
    };
  } finally {
    await browser.close();
    await stop();
  }
}
