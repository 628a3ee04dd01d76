/**
 * A brokered response's body as it came off the wire. Main passes the bytes to the plugin host
 * untouched; the host bridge makes them the plugin's `HttpResponse.body` (`body_value` in
 * native/host-bridge/src/context.rs): the JSON value when the response says it is JSON and it
 * parses, its text otherwise.
 */
export class HttpBody {
  constructor(
    readonly bytes: Uint8Array,
    /** The response's content type says JSON. */
    readonly json: boolean,
  ) {}

  /** What the plugin will see, for main's own callers (the path to a plugin never calls it). */
  value(): unknown {
    const text = new TextDecoder().decode(this.bytes);
    if (!this.json) return text;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
}

/** Whether a content type names JSON (`application/json`, `application/problem+json`, …). */
export function isJsonType(contentType: string | string[] | undefined): boolean {
  const type = Array.isArray(contentType) ? contentType.join(',') : (contentType ?? '');
  return /\bjson\b/i.test(type);
}
