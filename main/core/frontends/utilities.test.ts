import { describe, expect, it } from 'vitest';
import { candidateClasses, classSelector, ruleOf, utilityStylesheet } from './utilities';

describe("the host's utility classes for plugin frames", () => {
  it('colour with the theme tokens, with the alpha a name gives', () => {
    expect(ruleOf('bg-surface')?.css).toBe('.bg-surface{background-color:var(--color-surface, #ffffff)}');
    expect(ruleOf('text-foreground-secondary/60')?.css).toBe('.text-foreground-secondary\\/60{color:color-mix(in srgb, var(--color-foreground-secondary, #5f6673) 60%, transparent)}');
    expect(ruleOf('border-b-border')?.css).toBe('.border-b-border{border-bottom-color:var(--color-border, #d9dee7)}');
  });

  it('space, size and round on a scale where 4 is 1rem, and take bracketed lengths as written', () => {
    expect(ruleOf('px-3')?.css).toBe('.px-3{padding-left:0.75rem;padding-right:0.75rem}');
    expect(ruleOf('gap-1.5')?.css).toBe('.gap-1\\.5{gap:0.375rem}');
    expect(ruleOf('max-h-[82vh]')?.css).toBe('.max-h-\\[82vh\\]{max-height:82vh}');
    expect(ruleOf('max-w-2xl')?.css).toBe('.max-w-2xl{max-width:42rem}');
    expect(ruleOf('rounded-xl')?.css).toBe('.rounded-xl{border-radius:0.75rem}');
    expect(ruleOf('-mt-1')?.css).toBe('.-mt-1{margin-top:-0.25rem}');
  });

  it('apply variants: hover, the dark theme, a minimum width', () => {
    expect(ruleOf('hover:bg-background')?.css).toBe('.hover\\:bg-background:hover{background-color:var(--color-background, #f6f7f9)}');
    expect(ruleOf('dark:text-red-200')?.css).toMatch(/^:root\[data-theme="dark"\] \.dark\\:text-red-200\{color:hsl\(/);
    expect(ruleOf('md:flex')).toEqual({ css: '.md\\:flex{display:flex}', media: '(min-width: 768px)', variants: 1 });
  });

  it('leave alone what is not a utility, and bracketed values that could break out of a rule', () => {
    for (const name of ['hello-panel', 'text-mystery', 'w-[1px;}body{display:none]', 'bg-[url(x)]', 'foo:flex']) expect(ruleOf(name)).toBeUndefined();
  });

  it('escape class names into selectors, a leading digit included', () => {
    expect(classSelector('w-1/2')).toBe('.w-1\\/2');
    expect(classSelector('2xl:p-4')).toBe('.\\32 xl\\:p-4');
  });

  it('are found in a bundle as its className strings write them', () => {
    const bundle = 'jsx("div",{className:"flex items-center gap-2 border-b border-border/50 px-4"}),`rounded-lg ${x?"bg-primary":"bg-surface"}`';
    const found = candidateClasses(bundle);
    for (const c of ['flex', 'items-center', 'gap-2', 'border-b', 'border-border/50', 'px-4', 'rounded-lg', 'bg-primary', 'bg-surface']) expect(found).toContain(c);
  });

  it('make one stylesheet: the base page and tokens first, rules for the classes found, hover after plain, wider screens last', () => {
    const css = utilityStylesheet(['className:"md:grid hover:bg-surface bg-background flex"']);
    expect(css.startsWith(':root{color-scheme:light;--color-primary:')).toBe(true);
    expect(css).toContain('html,body{height:100%;margin:0}');
    const order = ['.bg-background{', '.flex{', '.hover\\:bg-surface:hover{', '@media (min-width: 768px){.md\\:grid{display:grid}}'].map((s) => css.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(css).not.toContain('.grid{');
  });
});
