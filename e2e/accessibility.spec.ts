import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRecord, logFileName } from '../main/core/log/logger';
import { root } from '../test/helpers/fixtures';
import { expect, screenshotPath, test } from './fixtures';

const PANELS = ['Plugins', 'Workflows', 'DevKit', 'Console', 'Network activity', 'Grants', 'Logs'];

/** WCAG's contrast ratio of two sRGB colours given as `rgb(r, g, b)`. */
function ratio(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Borders of controls and cards against what is behind them (WCAG 1.4.11 asks 3:1). */
async function weakBorders(page: Page): Promise<string[]> {
  const pairs = await page.evaluate(() => {
    const behind = (el: Element | null): string => {
      for (let e = el; e; e = e.parentElement) {
        const bg = getComputedStyle(e).backgroundColor;
        if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg;
      }
      return getComputedStyle(document.body).backgroundColor;
    };
    return [...document.querySelectorAll('input:not([type=checkbox]), select, textarea, .card')]
      .filter((el) => (el as HTMLElement).offsetParent !== null && parseFloat(getComputedStyle(el).borderTopWidth) > 0)
      .map((el) => ({ what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')}`, border: getComputedStyle(el).borderTopColor, bg: behind(el.parentElement) }));
  });
  return pairs.filter((p) => ratio(p.border, p.bg) < 3).map((p) => `${p.what}: ${p.border} on ${p.bg} is ${ratio(p.border, p.bg).toFixed(2)}:1`);
}

test.use({ samples: ['hello', 'notes', 'text-steps'] });

/** A real day's log: thousands of lines from the host and plugins, more than the Logs panel shows at once. */
function dayOfLog(home: string): void {
  const now = Date.now();
  const levels = ['info', 'warn', 'error', 'info', 'debug'] as const;
  const sources = ['host', 'dev.haloforge.sample.notes', 'dev.example.my-plugin', 'panel'];
  let text = '';
  for (let i = 0; i < 3000; i++) {
    const source = sources[i % sources.length] as string;
    text += formatRecord(new Date(now - (3000 - i) * 20_000), levels[i % levels.length] as (typeof levels)[number], source, `request ${i} of the day: GET https://api.example.com/v1/items?page=${i} answered 200 in ${i % 97} ms`);
  }
  appendFileSync(join(home, 'logs', logFileName(new Date())), text);
}

for (const theme of ['light', 'dark'] as const) {
  for (const width of [1280, 800]) {
    test(`every panel passes axe's WCAG A/AA checks and shows 3:1 borders, ${theme}, ${width} px wide`, async ({ page, webHost }) => {
      spawnSync(process.execPath, [join(root, 'bin', 'haloforge.js'), 'approve', 'dev.haloforge.sample.notes', '--yes'], { env: { ...process.env, HALOFORGE_HOME: webHost.home } });
      dayOfLog(webHost.home);
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme: theme });
      await page.addInitScript((t) => localStorage.setItem('hf:theme', t), theme);
      await page.goto(webHost.url);
      await expect(page.getByRole('listitem', { name: 'My Plugin' })).toBeVisible();
      for (const panel of PANELS) {
        if (width < 900) await page.getByRole('button', { name: 'Menu' }).click();
        await page.getByRole('navigation', { name: 'Panels' }).getByRole('button', { name: new RegExp(`^${panel}( |$)`) }).click();
        await expect(page.getByRole('heading', { level: 2 }).first()).toBeVisible();
        if (panel === 'Logs') await expect(page.getByRole('log', { name: 'Log records' })).toContainText('request 2998 of the day');
        if (width < 900) await expect(page.getByRole('button', { name: 'Menu' })).toHaveAttribute('aria-expanded', 'false');
        const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        expect(results.violations.map((v) => `${panel}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`)).toEqual([]);
        expect(await weakBorders(page), panel).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${panel} scrolls sideways`).toBe(true);
        await page.screenshot({ path: screenshotPath(`panel-${panel.toLowerCase().replace(/ /g, '-')}-${theme}-${width}`), fullPage: true });
      }
    });
  }
}
