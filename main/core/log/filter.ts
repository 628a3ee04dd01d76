/**
 * `RUST_LOG` as plugin authors know it (env_logger syntax): `debug`, `dev.example.my_plugin=trace`,
 * `info,dev.example.my_plugin=debug`. Info and up is the default (design §5).
 */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

const RANK: Record<Level | 'off', number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

interface Directive {
  target: string | undefined;
  min: number;
}

// Plugin ids use '.' and '-', Rust module paths '_' and '::': compare them in one spelling.
const normalise = (target: string): string => target.toLowerCase().replace(/-/g, '_').replace(/::/g, '.');

function parseLevel(text: string): number | undefined {
  const lower = text.trim().toLowerCase();
  return lower in RANK ? RANK[lower as Level | 'off'] : undefined;
}

export type LevelFilter = (target: string, level: Level) => boolean;

export function parseRustLog(spec: string | undefined): LevelFilter {
  const directives: Directive[] = [];
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq === -1) {
      const level = parseLevel(part);
      // A bare name is a target at every level, as env_logger reads it.
      directives.push(level === undefined ? { target: normalise(part), min: RANK.trace } : { target: undefined, min: level });
    } else {
      const level = parseLevel(part.slice(eq + 1));
      if (level !== undefined) directives.push({ target: normalise(part.slice(0, eq)), min: level });
    }
  }
  const globalMin = directives.filter((d) => d.target === undefined).at(-1)?.min ?? RANK.info;
  const scoped = directives.filter((d): d is Directive & { target: string } => d.target !== undefined).sort((a, b) => b.target.length - a.target.length);
  return (target, level) => {
    const t = normalise(target);
    const match = scoped.find((d) => t === d.target || t.startsWith(`${d.target}.`) || t.startsWith(`${d.target}:`));
    return RANK[level] >= (match ? match.min : globalMin);
  };
}
