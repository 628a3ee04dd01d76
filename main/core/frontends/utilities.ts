/**
 * The utility classes and theme tokens HaloForge's host page gives plugin frames (contract §3):
 * real bundles (the git and p4 panels, the SDK's own dialogs) are written against Tailwind-style
 * class names coloured by the host's theme variables, and ship no CSS for them. This is our own
 * generator for that vocabulary. It is fed the text of a plugin's bundle and styles, and writes
 * rules for the class names it finds there that it knows (the way a utility CSS build scans its
 * sources), so each frame gets what its bundle references and nothing more. Pure: no Node.
 */

/** The host's theme tokens as bundles read them, with the values a frame has before the panels send theirs. */
const TOKENS: Record<string, string> = {
  background: 'var(--color-background, #f6f7f9)',
  surface: 'var(--color-surface, #ffffff)',
  'surface-hover': 'var(--color-surface-hover, color-mix(in srgb, var(--color-foreground, #15171a) 6%, var(--color-surface, #ffffff)))',
  foreground: 'var(--color-foreground, #15171a)',
  'foreground-secondary': 'var(--color-foreground-secondary, #5f6673)',
  muted: 'var(--color-surface-hover, color-mix(in srgb, var(--color-foreground, #15171a) 6%, var(--color-surface, #ffffff)))',
  'muted-foreground': 'var(--color-foreground-secondary, #5f6673)',
  border: 'var(--color-border, #d9dee7)',
  input: 'var(--color-border, #d9dee7)',
  ring: 'var(--color-primary, #2f55d4)',
  primary: 'var(--color-primary, #2f55d4)',
  'primary-foreground': '#ffffff',
  accent: 'var(--color-surface-hover, color-mix(in srgb, var(--color-primary, #2f55d4) 12%, var(--color-surface, #ffffff)))',
  'accent-foreground': 'var(--color-foreground, #15171a)',
  sidebar: 'var(--color-sidebar, var(--color-surface, #ffffff))',
  card: 'var(--color-surface, #ffffff)',
  'card-foreground': 'var(--color-foreground, #15171a)',
  popover: 'var(--color-surface, #ffffff)',
  'popover-foreground': 'var(--color-foreground, #15171a)',
  destructive: '#d92d20',
  'destructive-foreground': '#ffffff',
  success: '#16a34a',
  warning: '#d97706',
  danger: '#d92d20',
  white: '#ffffff',
  black: '#000000',
  transparent: 'transparent',
  current: 'currentColor',
  inherit: 'inherit',
};

/** Hue and saturation of each palette colour; shades are lightness steps of it (not any other project's table). */
const PALETTE: Record<string, [hue: number, saturation: number]> = {
  slate: [215, 20],
  gray: [220, 10],
  zinc: [240, 5],
  neutral: [0, 0],
  stone: [25, 6],
  red: [0, 80],
  orange: [25, 90],
  amber: [40, 92],
  yellow: [50, 92],
  lime: [85, 75],
  green: [142, 65],
  emerald: [158, 70],
  teal: [174, 70],
  cyan: [190, 85],
  sky: [200, 88],
  blue: [217, 88],
  indigo: [236, 75],
  violet: [260, 80],
  purple: [272, 75],
  fuchsia: [292, 80],
  pink: [330, 78],
  rose: [350, 85],
};
const SHADE_LIGHTNESS: Record<string, number> = { '50': 97, '100': 93, '200': 86, '300': 76, '400': 64, '500': 53, '600': 45, '700': 37, '800': 29, '900': 22, '950': 13 };

function colorOf(name: string): string | undefined {
  const [base, alpha] = splitAlpha(name);
  let color = TOKENS[base];
  if (!color) {
    const shade = /^([a-z]+)-(\d{2,3})$/.exec(base);
    const hs = shade ? PALETTE[shade[1] as string] : undefined;
    const l = shade ? SHADE_LIGHTNESS[shade[2] as string] : undefined;
    if (hs && l !== undefined) color = `hsl(${hs[0]} ${hs[1]}% ${l}%)`;
    else if (/^\[#[0-9a-fA-F]{3,8}\]$/.test(base)) color = base.slice(1, -1);
  }
  if (!color) return undefined;
  return alpha === undefined ? color : `color-mix(in srgb, ${color} ${alpha}%, transparent)`;
}

/** `foreground/60` → [`foreground`, 60]. */
function splitAlpha(name: string): [string, number | undefined] {
  const m = /^(.+)\/(\d{1,3})$/.exec(name);
  if (!m) return [name, undefined];
  const n = Number(m[2]);
  return n <= 100 ? [m[1] as string, n] : [name, undefined];
}

/** A spacing step: `4` is 1rem, `px` 1px, `[10px]` as written. */
function space(v: string): string | undefined {
  if (v === 'px') return '1px';
  if (v === '0') return '0px';
  if (/^\d+(\.5)?$/.test(v) && Number(v) <= 96) return `${Number(v) / 4}rem`;
  return arbitrary(v);
}

/** An arbitrary value in brackets, limited to lengths and simple calc() so no rule can break out of its block. */
function arbitrary(v: string): string | undefined {
  const m = /^\[([-0-9.a-z%()+*/_ ]{1,40})\]$/.exec(v);
  if (!m) return undefined;
  const value = (m[1] as string).replace(/_/g, ' ');
  return /^(-?[\d.]+(px|rem|em|%|vh|vw|dvh|ch)|calc\([-0-9.a-z%+*/ ]+\))$/.test(value) ? value : undefined;
}

const FRACTION = /^(\d{1,2})\/(\d{1,2})$/;
function size(v: string, axis: 'w' | 'h'): string | undefined {
  const named: Record<string, string> = { full: '100%', auto: 'auto', fit: 'fit-content', min: 'min-content', max: 'max-content', screen: axis === 'w' ? '100vw' : '100vh', px: '1px' };
  if (named[v]) return named[v];
  const f = FRACTION.exec(v);
  if (f) return `${(Number(f[1]) / Number(f[2])) * 100}%`;
  return space(v);
}

const MAX_WIDTH: Record<string, string> = { xs: '20rem', sm: '24rem', md: '28rem', lg: '32rem', xl: '36rem', '2xl': '42rem', '3xl': '48rem', '4xl': '56rem', '5xl': '64rem', '6xl': '72rem', '7xl': '80rem', none: 'none', prose: '65ch' };
const TEXT_SIZE: Record<string, [string, string]> = {
  xs: ['0.75rem', '1rem'],
  sm: ['0.875rem', '1.25rem'],
  base: ['1rem', '1.5rem'],
  lg: ['1.125rem', '1.75rem'],
  xl: ['1.25rem', '1.75rem'],
  '2xl': ['1.5rem', '2rem'],
  '3xl': ['1.875rem', '2.25rem'],
};
const RADIUS: Record<string, string> = { '': '0.25rem', none: '0', sm: '0.125rem', md: '0.375rem', lg: '0.5rem', xl: '0.75rem', '2xl': '1rem', '3xl': '1.5rem', full: '9999px' };
const SHADOW: Record<string, string> = {
  '': '0 1px 3px rgb(0 0 0 / 0.1), 0 1px 2px rgb(0 0 0 / 0.06)',
  sm: '0 1px 2px rgb(0 0 0 / 0.06)',
  md: '0 4px 8px -2px rgb(0 0 0 / 0.1)',
  lg: '0 10px 18px -4px rgb(0 0 0 / 0.12)',
  xl: '0 18px 28px -6px rgb(0 0 0 / 0.14)',
  '2xl': '0 24px 48px -12px rgb(0 0 0 / 0.28)',
  none: 'none',
};

/** Declarations that need nothing but the class name. */
const FIXED: Record<string, string> = {
  block: 'display:block',
  'inline-block': 'display:inline-block',
  inline: 'display:inline',
  flex: 'display:flex',
  'inline-flex': 'display:inline-flex',
  grid: 'display:grid',
  'inline-grid': 'display:inline-grid',
  hidden: 'display:none',
  contents: 'display:contents',
  table: 'display:table',
  'flex-row': 'flex-direction:row',
  'flex-col': 'flex-direction:column',
  'flex-row-reverse': 'flex-direction:row-reverse',
  'flex-col-reverse': 'flex-direction:column-reverse',
  'flex-wrap': 'flex-wrap:wrap',
  'flex-nowrap': 'flex-wrap:nowrap',
  'flex-1': 'flex:1 1 0%',
  'flex-auto': 'flex:1 1 auto',
  'flex-none': 'flex:none',
  grow: 'flex-grow:1',
  'grow-0': 'flex-grow:0',
  shrink: 'flex-shrink:1',
  'shrink-0': 'flex-shrink:0',
  'items-start': 'align-items:flex-start',
  'items-center': 'align-items:center',
  'items-end': 'align-items:flex-end',
  'items-stretch': 'align-items:stretch',
  'items-baseline': 'align-items:baseline',
  'justify-start': 'justify-content:flex-start',
  'justify-center': 'justify-content:center',
  'justify-end': 'justify-content:flex-end',
  'justify-between': 'justify-content:space-between',
  'justify-around': 'justify-content:space-around',
  'self-start': 'align-self:flex-start',
  'self-center': 'align-self:center',
  'self-end': 'align-self:flex-end',
  'self-stretch': 'align-self:stretch',
  'place-items-center': 'place-items:center',
  relative: 'position:relative',
  absolute: 'position:absolute',
  fixed: 'position:fixed',
  sticky: 'position:sticky',
  static: 'position:static',
  'inset-0': 'inset:0',
  'top-0': 'top:0',
  'right-0': 'right:0',
  'bottom-0': 'bottom:0',
  'left-0': 'left:0',
  'font-thin': 'font-weight:200',
  'font-light': 'font-weight:300',
  'font-normal': 'font-weight:400',
  'font-medium': 'font-weight:500',
  'font-semibold': 'font-weight:600',
  'font-bold': 'font-weight:700',
  'font-mono': 'font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace',
  'font-sans': 'font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif',
  italic: 'font-style:italic',
  'not-italic': 'font-style:normal',
  uppercase: 'text-transform:uppercase',
  lowercase: 'text-transform:lowercase',
  capitalize: 'text-transform:capitalize',
  'normal-case': 'text-transform:none',
  underline: 'text-decoration-line:underline',
  'line-through': 'text-decoration-line:line-through',
  'no-underline': 'text-decoration-line:none',
  'tabular-nums': 'font-variant-numeric:tabular-nums',
  'text-left': 'text-align:left',
  'text-center': 'text-align:center',
  'text-right': 'text-align:right',
  truncate: 'overflow:hidden;text-overflow:ellipsis;white-space:nowrap',
  'text-ellipsis': 'text-overflow:ellipsis',
  'whitespace-nowrap': 'white-space:nowrap',
  'whitespace-pre': 'white-space:pre',
  'whitespace-pre-wrap': 'white-space:pre-wrap',
  'whitespace-pre-line': 'white-space:pre-line',
  'whitespace-normal': 'white-space:normal',
  'break-words': 'overflow-wrap:break-word',
  'break-all': 'word-break:break-all',
  'leading-none': 'line-height:1',
  'leading-tight': 'line-height:1.25',
  'leading-snug': 'line-height:1.375',
  'leading-normal': 'line-height:1.5',
  'leading-relaxed': 'line-height:1.625',
  'leading-loose': 'line-height:2',
  'tracking-tight': 'letter-spacing:-0.025em',
  'tracking-normal': 'letter-spacing:0',
  'tracking-wide': 'letter-spacing:0.025em',
  'tracking-wider': 'letter-spacing:0.05em',
  'tracking-widest': 'letter-spacing:0.1em',
  border: 'border-width:1px',
  'border-0': 'border-width:0',
  'border-2': 'border-width:2px',
  'border-t': 'border-top-width:1px',
  'border-b': 'border-bottom-width:1px',
  'border-l': 'border-left-width:1px',
  'border-r': 'border-right-width:1px',
  'border-x': 'border-left-width:1px;border-right-width:1px',
  'border-y': 'border-top-width:1px;border-bottom-width:1px',
  'border-dashed': 'border-style:dashed',
  'border-solid': 'border-style:solid',
  'border-none': 'border-style:none',
  'cursor-pointer': 'cursor:pointer',
  'cursor-default': 'cursor:default',
  'cursor-not-allowed': 'cursor:not-allowed',
  'cursor-text': 'cursor:text',
  'select-none': 'user-select:none',
  'select-text': 'user-select:text',
  'pointer-events-none': 'pointer-events:none',
  'pointer-events-auto': 'pointer-events:auto',
  'list-none': 'list-style-type:none',
  'list-disc': 'list-style-type:disc;padding-left:1.25rem',
  'list-decimal': 'list-style-type:decimal;padding-left:1.25rem',
  'outline-none': 'outline:2px solid transparent;outline-offset:2px',
  'appearance-none': 'appearance:none',
  'resize-none': 'resize:none',
  'resize-y': 'resize:vertical',
  'object-cover': 'object-fit:cover',
  'object-contain': 'object-fit:contain',
  'aspect-square': 'aspect-ratio:1/1',
  'aspect-video': 'aspect-ratio:16/9',
  transition: 'transition-property:color,background-color,border-color,opacity,box-shadow,transform;transition-duration:150ms',
  'transition-colors': 'transition-property:color,background-color,border-color;transition-duration:150ms',
  'transition-opacity': 'transition-property:opacity;transition-duration:150ms',
  'transition-all': 'transition-property:all;transition-duration:150ms',
  'transition-transform': 'transition-property:transform;transition-duration:150ms',
  'backdrop-blur-sm': 'backdrop-filter:blur(4px)',
  'backdrop-blur': 'backdrop-filter:blur(8px)',
  'sr-only': 'position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border-width:0',
  'animate-spin': 'animation:hf-spin 1s linear infinite',
  'animate-pulse': 'animation:hf-pulse 2s ease-in-out infinite',
  ring: 'box-shadow:0 0 0 3px color-mix(in srgb, var(--color-primary, #2f55d4) 45%, transparent)',
  'ring-1': 'box-shadow:0 0 0 1px var(--hf-ring-color, var(--color-primary, #2f55d4))',
  'ring-2': 'box-shadow:0 0 0 2px var(--hf-ring-color, var(--color-primary, #2f55d4))',
};

const SIDES: Record<string, string[]> = { '': [''], x: ['-left', '-right'], y: ['-top', '-bottom'], t: ['-top'], r: ['-right'], b: ['-bottom'], l: ['-left'] };

/** The declarations of one utility (no variant), or undefined for a name that is not one. */
export function declarationsOf(name: string): string | undefined {
  if (FIXED[name]) return FIXED[name];
  let m: RegExpExecArray | null;
  if ((m = /^(p|m)([xytrbl]?)-(.+)$/.exec(name))) {
    const [, kind, side, v] = m as unknown as [string, string, string, string];
    const value = kind === 'm' && v === 'auto' ? 'auto' : space(v);
    if (!value) return undefined;
    const prop = kind === 'p' ? 'padding' : 'margin';
    return (SIDES[side] ?? []).map((s) => `${prop}${s}:${value}`).join(';');
  }
  if ((m = /^gap(-[xy])?-(.+)$/.exec(name))) {
    const value = space(m[2] as string);
    if (!value) return undefined;
    return m[1] === '-x' ? `column-gap:${value}` : m[1] === '-y' ? `row-gap:${value}` : `gap:${value}`;
  }
  if ((m = /^(min-|max-)?(w|h)-(.+)$/.exec(name))) {
    const [, bound = '', axis, v] = m as unknown as [string, string | undefined, 'w' | 'h', string];
    const value = bound === 'max-' && axis === 'w' && MAX_WIDTH[v] ? MAX_WIDTH[v] : size(v, axis);
    if (!value) return undefined;
    return `${bound}${axis === 'w' ? 'width' : 'height'}:${value}`;
  }
  if ((m = /^size-(.+)$/.exec(name))) {
    const value = size(m[1] as string, 'w');
    return value ? `width:${value};height:${value}` : undefined;
  }
  if ((m = /^(top|right|bottom|left|inset)-(.+)$/.exec(name))) {
    const value = m[2] === 'full' ? '100%' : space(m[2] as string);
    return value ? `${m[1]}:${value}` : undefined;
  }
  if ((m = /^z-(\d{1,3})$/.exec(name))) return `z-index:${m[1]}`;
  if ((m = /^opacity-(\d{1,3})$/.exec(name)) && Number(m[1]) <= 100) return `opacity:${Number(m[1]) / 100}`;
  if ((m = /^grid-cols-(\d{1,2})$/.exec(name))) return `grid-template-columns:repeat(${m[1]},minmax(0,1fr))`;
  if ((m = /^col-span-(\d{1,2})$/.exec(name))) return `grid-column:span ${m[1]} / span ${m[1]}`;
  if ((m = /^overflow(-[xy])?-(auto|hidden|scroll|visible)$/.exec(name))) return `overflow${m[1] ?? ''}:${m[2]}`;
  if ((m = /^duration-(\d{2,4})$/.exec(name))) return `transition-duration:${m[1]}ms`;
  if ((m = /^rounded(?:-([trbl]))?(?:-(none|sm|md|lg|xl|2xl|3xl|full))?$/.exec(name))) {
    const value = RADIUS[m[2] ?? ''] as string;
    const corners: Record<string, string[]> = { t: ['top-left', 'top-right'], r: ['top-right', 'bottom-right'], b: ['bottom-left', 'bottom-right'], l: ['top-left', 'bottom-left'] };
    return m[1] ? (corners[m[1]] ?? []).map((c) => `border-${c}-radius:${value}`).join(';') : `border-radius:${value}`;
  }
  if ((m = /^shadow(?:-(sm|md|lg|xl|2xl|none))?$/.exec(name))) return `box-shadow:${SHADOW[m[1] ?? '']}`;
  if ((m = /^text-(xs|sm|base|lg|xl|2xl|3xl)$/.exec(name))) {
    const [font, line] = TEXT_SIZE[m[1] as string] as [string, string];
    return `font-size:${font};line-height:${line}`;
  }
  if ((m = /^text-(\[.+\])$/.exec(name))) {
    const value = arbitrary(m[1] as string);
    if (value) return `font-size:${value}`;
  }
  if ((m = /^space-([xy])-(.+)$/.exec(name))) {
    const value = space(m[2] as string);
    return value ? `--hf-space:${value}` : undefined;
  }
  if ((m = /^(bg|text|border-[trblxy]|border|ring|outline|fill|stroke|divide|placeholder|accent|caret|decoration)-(.+)$/.exec(name))) {
    const color = colorOf(m[2] as string);
    if (!color) return undefined;
    const prop: Record<string, string> = {
      bg: 'background-color',
      text: 'color',
      border: 'border-color',
      'border-t': 'border-top-color',
      'border-r': 'border-right-color',
      'border-b': 'border-bottom-color',
      'border-l': 'border-left-color',
      'border-x': 'border-left-color:COLOR;border-right-color',
      'border-y': 'border-top-color:COLOR;border-bottom-color',
      ring: '--hf-ring-color',
      outline: 'outline-color',
      fill: 'fill',
      stroke: 'stroke',
      divide: '--hf-divide-color',
      placeholder: '--hf-placeholder-color',
      accent: 'accent-color',
      caret: 'caret-color',
      decoration: 'text-decoration-color',
    };
    return `${(prop[m[1] as string] as string).replace('COLOR', color)}:${color}`;
  }
  return undefined;
}

/** What a variant does to a rule: a pseudo-class, the dark theme, or a minimum width. */
function applyVariant(variant: string, selector: string): { selector: string; media?: string } | undefined {
  const pseudo: Record<string, string> = { hover: ':hover', focus: ':focus', 'focus-visible': ':focus-visible', 'focus-within': ':focus-within', active: ':active', disabled: ':disabled', first: ':first-child', last: ':last-child', odd: ':nth-child(odd)', even: ':nth-child(even)', 'aria-selected': '[aria-selected="true"]', checked: ':checked' };
  if (pseudo[variant]) return { selector: `${selector}${pseudo[variant]}` };
  if (variant === 'placeholder') return { selector: `${selector}::placeholder` };
  if (variant === 'group-hover') return { selector: `.group:hover ${selector}` };
  if (variant === 'dark') return { selector: `:root[data-theme="dark"] ${selector}` };
  const widths: Record<string, string> = { sm: '640px', md: '768px', lg: '1024px', xl: '1280px' };
  if (widths[variant]) return { selector, media: `(min-width: ${widths[variant]})` };
  return undefined;
}

/** A class name as a CSS selector: every character that is not a plain name character escaped. */
export function classSelector(name: string): string {
  const escaped = [...name].map((c, i) => (/[A-Za-z0-9_-]/.test(c) && !(i === 0 && /\d/.test(c)) ? c : `\\${/[\s\d]/.test(c) ? `${c.codePointAt(0)?.toString(16)} ` : c}`)).join('');
  return `.${escaped}`;
}

/** The rule for one class name as written (variants included), or undefined when it is not a utility. */
export function ruleOf(className: string): { css: string; media?: string; variants: number } | undefined {
  const important = className.startsWith('!');
  const parts = (important ? className.slice(1) : className).split(':');
  const utility = parts.pop() as string;
  const negative = utility.startsWith('-') ? utility.slice(1) : undefined;
  let decls = declarationsOf(negative ?? utility);
  if (!decls) return undefined;
  if (negative) {
    if (!/^(m[xytrbl]?|top|right|bottom|left|inset)-/.test(negative)) return undefined;
    decls = decls.replace(/:([\d.]+(rem|px))/g, ':-$1');
  }
  let selector = classSelector(className);
  let media: string | undefined;
  for (const v of parts.reverse()) {
    const applied = applyVariant(v, selector);
    if (!applied) return undefined;
    selector = applied.selector;
    media = applied.media ?? media;
  }
  if (important) decls = decls.split(';').map((d) => `${d}!important`).join(';');
  // space-x/y set a variable; the gap goes between the children.
  if (/^space-([xy])-/.test(negative ?? utility)) {
    const side = utility.startsWith('space-x') ? 'left' : 'top';
    return { css: `${selector}>:not(:first-child){margin-${side}:${decls.split(':')[1]}}`, media, variants: parts.length };
  }
  if (/^divide-/.test(utility)) return { css: `${selector}>:not(:first-child){border-color:${decls.split(':').slice(1).join(':')}}`, media, variants: parts.length };
  if (/^placeholder-/.test(utility)) return { css: `${selector}::placeholder{color:${decls.split(':').slice(1).join(':')}}`, media, variants: parts.length };
  return { css: `${selector}{${decls}}`, media, variants: parts.length };
}

/**
 * Every word of a bundle or stylesheet that could be a class name (what JSX writes in className
 * strings, and template literals): letters, digits and the characters utilities use.
 */
export function candidateClasses(text: string): Set<string> {
  const found = new Set<string>();
  for (const m of text.matchAll(/[!A-Za-z0-9_:/.[\]#%()-]{1,80}/g)) {
    const word = m[0].replace(/^[^!A-Za-z0-9-]+|[^A-Za-z0-9\])%]+$/g, '');
    if (word.length > 0 && /[a-z]/.test(word)) found.add(word);
  }
  return found;
}

/**
 * What every frame page starts from, as HaloForge's host page gives it: the theme tokens' defaults,
 * a small reset (utilities assume borders are solid and buttons plain), a page that fills its frame
 * in the theme's colours, and the two animations utilities name.
 */
export const FRAME_BASE_CSS = [
  ':root{color-scheme:light;--color-primary:#2f55d4;--color-background:#f6f7f9;--color-surface:#ffffff;--color-foreground:#15171a;--color-foreground-secondary:#5f6673;--color-border:#d9dee7;--color-sidebar:#ffffff}',
  ':root[data-theme="dark"]{color-scheme:dark}',
  '*,::before,::after{box-sizing:border-box;border:0 solid var(--color-border)}',
  'html,body{height:100%;margin:0}',
  'body{background:var(--color-background);color:var(--color-foreground);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}',
  '#root{min-height:100%;height:100%}',
  'h1,h2,h3,h4,h5,h6,p,figure,blockquote,dl,dd,pre{margin:0}',
  'h1,h2,h3,h4,h5,h6{font-size:inherit;font-weight:inherit}',
  'ul,ol{margin:0;padding:0}',
  'button,input,select,textarea{font:inherit;color:inherit;margin:0}',
  'button{background:transparent;cursor:pointer;padding:0}',
  'button:disabled{cursor:default}',
  'input,select,textarea{background:transparent}',
  'img,svg,video{display:block;max-width:100%}',
  ':focus-visible{outline:2px solid var(--color-primary);outline-offset:1px}',
  '@keyframes hf-spin{to{transform:rotate(360deg)}}',
  '@keyframes hf-pulse{50%{opacity:.5}}',
].join('\n');

/** The stylesheet for the class names found in `sources` (a bundle's text, its CSS): base first, then one rule per utility. */
export function utilityStylesheet(sources: readonly string[]): string {
  const plain: Array<{ css: string; variants: number }> = [];
  const byMedia = new Map<string, string[]>();
  const names = new Set<string>();
  for (const s of sources) for (const c of candidateClasses(s)) names.add(c);
  for (const name of [...names].sort()) {
    const rule = ruleOf(name);
    if (!rule) continue;
    if (rule.media) byMedia.set(rule.media, [...(byMedia.get(rule.media) ?? []), rule.css]);
    else plain.push(rule);
  }
  // Rules with variants after plain ones of the same weight, so hover: wins over the base colour.
  plain.sort((a, b) => a.variants - b.variants);
  const media = [...byMedia.entries()].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })).map(([q, rules]) => `@media ${q}{${rules.join('')}}`);
  return [FRAME_BASE_CSS, ...plain.map((r) => r.css), ...media].join('\n');
}
