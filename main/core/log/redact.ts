/**
 * Host-side redaction of what the guide forbids in logs (bearer tokens, API keys, base64 and
 * `data:` payloads), applied to every record before it is written. Plugins are asked not to log
 * secrets; this makes a slip harmless.
 */
const RULES: ReadonlyArray<readonly [RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // data: URLs first, so their payload is not half-eaten by the base64 rule.
  [/data:([\w.+-]+\/[\w.+-]+)?(;[\w-]+=[\w-]+)*;base64,[A-Za-z0-9+/=]+/gi, (_m, mime: string | undefined) => `data:${mime ?? ''};base64,[REDACTED]`],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/gi, (_m, scheme: string) => `${scheme} [REDACTED]`],
  [/\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key)(\s*[:=]\s*)(?!\[REDACTED\]|Bearer \[|Basic \[|Token \[)[^\s,;]+/gi, (_m, name: string, sep: string) => `${name}${sep}[REDACTED]`],
  [/\b((?:api|access|refresh|secret|client)[_-]?(?:key|token|secret)|apikey|token|secret|password|passwd|pwd)(["']?\s*[:=]\s*["']?)([^\s"',&;]+)/gi, (_m, name: string, sep: string) => `${name}${sep}[REDACTED]`],
  [/\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}/g, (_m, prefix: string) => `${prefix}-[REDACTED]`],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, '[REDACTED]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, '[REDACTED JWT]'],
  [/[A-Za-z0-9+/]{80,}={0,2}/g, '[REDACTED base64]'],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement as (m: string, ...g: string[]) => string);
  }
  return out;
}
