import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type Theme = 'light' | 'dark';

/** What the whole window shows: the theme and the current panel (a host panel, or `plugin:<id>`). */
export const useUiStore = defineStore('ui', () => {
  const stored = localStorage.getItem('hf:theme');
  const theme = ref<Theme>(stored === 'light' || stored === 'dark' ? stored : matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  const current = ref('plugins');
  watch(
    theme,
    (t) => {
      document.documentElement.dataset.theme = t;
      localStorage.setItem('hf:theme', t);
    },
    { immediate: true },
  );
  return { theme, current };
});

/** The host's theme as the contract's variables (`--color-primary`, …), which plugin bundles read. */
export function themeColors(): Record<string, string> {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(name).trim();
  return {
    '--color-primary': v('--accent'),
    '--color-background': v('--bg'),
    '--color-surface': v('--surface'),
    '--color-foreground': v('--fg'),
    '--color-foreground-secondary': v('--muted'),
    '--color-border': v('--border'),
    '--color-sidebar': v('--surface'),
    '--hf-shell-bg': v('--bg'),
  };
}
