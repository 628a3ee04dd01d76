/**
 * Text a plugin controls (its name, description, file names, program arguments, notifications) as
 * panels and prompts may show it. Bidirectional overrides and isolates can make "gpj.exe" read as
 * "exe.jpg" or reorder a path in a prompt; zero-width and control characters can hide or forge
 * parts of it. Each becomes a visible `<U+202E>` marker instead; line breaks and tabs become spaces.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\u3164\ufeff\uffa0]/g;

export function displayText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\n' || c === '\r' || c === '\t') return ' ';
    return `<U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

/** The same for every string in a flat record or list (a prompt's details). */
export function displayFields<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = typeof v === 'string' ? displayText(v) : Array.isArray(v) ? v.map((x: unknown) => (typeof x === 'string' ? displayText(x) : x)) : v;
  }
  return out as T;
}
