import { describe, expect, it } from 'vitest';
import { PanelAsker } from './panel-asker';
import { PromptService } from './service';
import type { PromptDetails } from './prompt-types';

const details = (host = 'api.example.com'): PromptDetails => ({
  kind: 'network',
  pluginId: 'dev.t.p',
  pluginName: 'P',
  method: 'GET',
  url: `https://${host}/`,
  scheme: 'https',
  host,
  port: 443,
  unencrypted: false,
  permission: 'network_http',
  tier: 'Sensitive',
  reason: 'first use',
});

describe('permission prompts', () => {
  it('are answered by a panel', async () => {
    const announced: number[] = [];
    const panel = new PanelAsker((p) => announced.push(p.length));
    const service = new PromptService(panel.ask, 5000);
    const outcome = service.ask(details());
    const [prompt] = panel.pending();
    expect(prompt).toMatchObject({ host: 'api.example.com', tier: 'Sensitive' });
    expect(panel.answer(prompt?.id ?? '', 'allow-always', 'panel')).toBe(true);
    await expect(outcome).resolves.toBe('allow-always');
    expect(announced).toEqual([1, 0]);
    expect(panel.answer(prompt?.id ?? '', 'deny', 'panel')).toBe(false);
  });

  it('say who answered, for the grant an answer leaves', async () => {
    const panel = new PanelAsker(() => undefined);
    const service = new PromptService(panel.ask, 5000);
    const asked = service.askWho(details());
    panel.answer(panel.pending()[0]?.id ?? '', 'allow-day', 'command line');
    await expect(asked).resolves.toEqual({ outcome: 'allow-day', by: 'command line' });
  });

  it('can all be answered at once for one plugin, leaving the other plugins\' prompts waiting', async () => {
    const panel = new PanelAsker(() => undefined);
    const service = new PromptService(panel.ask, 5000);
    const mine = [service.ask(details('a.example.com')), service.ask(details('b.example.com'))];
    const theirs = service.ask({ ...details('c.example.com'), pluginId: 'dev.other' });
    expect(panel.answerAll('dev.t.p', 'deny-always', 'panel')).toBe(2);
    await expect(Promise.all(mine)).resolves.toEqual(['deny-always', 'deny-always']);
    expect(panel.pending().map((p) => p.pluginId)).toEqual(['dev.other']);
    panel.answer(panel.pending()[0]?.id ?? '', 'deny', 'panel');
    await expect(theirs).resolves.toBe('deny');
  });

  it('deny on their own when nobody answers, and leave the panel', async () => {
    const panel = new PanelAsker(() => undefined);
    const service = new PromptService(panel.ask, 50);
    await expect(service.ask(details())).resolves.toBe('timeout');
    expect(panel.pending()).toEqual([]);
  });

  it('are shared by requests for the same plugin and host while open', async () => {
    const panel = new PanelAsker(() => undefined);
    const service = new PromptService(panel.ask, 5000);
    const first = service.ask(details());
    const second = service.ask(details());
    const other = service.ask(details('other.example.com'));
    expect(panel.pending()).toHaveLength(2);
    for (const p of panel.pending()) panel.answer(p.id, p.kind === 'network' && p.host === 'api.example.com' ? 'allow-once' : 'deny', 'panel');
    await expect(Promise.all([first, second, other])).resolves.toEqual(['allow-once', 'allow-once', 'deny']);
  });

  it('say no one can answer when there is no asker (the headless command line)', async () => {
    await expect(new PromptService(undefined).ask(details())).resolves.toBe('unavailable');
  });
});
