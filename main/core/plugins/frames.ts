import { asBuffer, bytesToJson, jsonToBytes } from '../json-bytes';

/**
 * The wire between main and a plugin host. Each message is a frame: a 4-byte big-endian length,
 * then the message as the 4-byte big-endian length of its JSON, the JSON, and the bytes of its
 * binary fields one after another. A top-level field that holds bytes (a Uint8Array) is written in
 * the JSON as `{"$bytes": n}` and its n bytes follow, in the order of the fields, so byte arrays
 * cross as they are, never as text. No V8 serialization: its module pulls Node's whole stream
 * stack into every plugin host's start (about 2 ms with node:net), and the host bridge writes
 * frames itself. Node's IPC channel is not used because its parser throws out of the receiving
 * process on a malformed frame, and a plugin host runs plugin code that can write anything to its
 * end of the socket. Here a bad frame is an error the receiver handles.
 */
const HEADER_BYTES = 4;

/** Larger than any message the host sends (a 16 MiB panel call, a 10 MiB HTTP response as JSON). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export class FrameError extends Error {}

/** A message as the pieces of its frame, to be written one after the other. */
export function encodeFrame(message: object): Buffer[] {
  const fields: Record<string, unknown> = {};
  const bytes: Buffer[] = [];
  for (const [name, value] of Object.entries(message)) {
    if (value instanceof Uint8Array) {
      fields[name] = { $bytes: value.length };
      bytes.push(asBuffer(value));
    } else {
      fields[name] = value;
    }
  }
  const json = jsonToBytes(JSON.stringify(fields));
  const head = Buffer.allocUnsafe(2 * HEADER_BYTES);
  head.writeUInt32BE(HEADER_BYTES + json.length + bytes.reduce((n, b) => n + b.length, 0), 0);
  head.writeUInt32BE(json.length, HEADER_BYTES);
  return [head, json, ...bytes];
}

/** The message of one frame's body (what follows its length); throws FrameError when it is not one. */
export function decodeFrame(body: Buffer): Record<string, unknown> {
  if (body.length < HEADER_BYTES) throw new FrameError(`a frame of ${body.length} bytes has no room for its JSON's length`);
  const jsonEnd = HEADER_BYTES + body.readUInt32BE(0);
  if (jsonEnd > body.length) throw new FrameError(`a frame's JSON runs ${jsonEnd - body.length} bytes past its end`);
  let message: unknown;
  try {
    message = JSON.parse(bytesToJson(body.subarray(HEADER_BYTES, jsonEnd)));
  } catch (e) {
    throw new FrameError(`a frame's JSON cannot be read: ${(e as Error).message}`);
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new FrameError('a frame holds JSON that is not an object');
  const fields = message as Record<string, unknown>;
  let at = jsonEnd;
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'object' || value === null || !('$bytes' in value)) continue;
    const n = (value as { $bytes: unknown }).$bytes;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || at + n > body.length) throw new FrameError(`a frame's field "${name}" claims bytes its frame does not hold`);
    fields[name] = body.subarray(at, at + n);
    at += n;
  }
  if (at !== body.length) throw new FrameError(`a frame carries ${body.length - at} bytes that no field claims`);
  return fields;
}

/** Writes a message's frame with one system call where the stream allows it. */
export function writeFrame(stream: { cork(): void; uncork(): void; write(chunk: Buffer): boolean }, message: object): void {
  stream.cork();
  for (const piece of encodeFrame(message)) stream.write(piece);
  stream.uncork();
}

/**
 * Hands each message read from `stream` to `onMessage`; a frame that cannot be read goes to
 * `onBadFrame` instead, and nothing after it is read.
 */
export function readFrames(stream: { on(event: 'data', listener: (chunk: Buffer) => void): unknown }, onMessage: (message: unknown) => void, onBadFrame: (error: FrameError) => void): void {
  const reader = new FrameReader(MAX_FRAME_BYTES);
  let broken = false;
  stream.on('data', (chunk) => {
    if (broken) return;
    let messages: unknown[];
    try {
      messages = reader.push(chunk);
    } catch (e) {
      broken = true;
      onBadFrame(e as FrameError);
      return;
    }
    for (const m of messages) onMessage(m);
  });
}

/** Cuts a byte stream into messages. Throws FrameError on a frame that is too large or unreadable. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: unknown[] = [];
    for (;;) {
      if (this.buffered < HEADER_BYTES) return messages;
      const length = this.peekLength();
      if (length > this.maxFrameBytes) throw new FrameError(`a frame of ${length} bytes is over the limit of ${this.maxFrameBytes}`);
      if (this.buffered < HEADER_BYTES + length) return messages;
      messages.push(decodeFrame(this.take(HEADER_BYTES + length).subarray(HEADER_BYTES)));
    }
  }

  /** How many bytes the frame under way still needs; 0 before its length has come. */
  missing(): number {
    return this.buffered < HEADER_BYTES ? 0 : HEADER_BYTES + this.peekLength() - this.buffered;
  }

  private peekLength(): number {
    const first = this.chunks[0] as Buffer;
    return (first.length >= HEADER_BYTES ? first : this.take(HEADER_BYTES, false)).readUInt32BE(0);
  }

  /** The next `n` buffered bytes as one Buffer; removed from the buffer unless `consume` is false. */
  private take(n: number, consume = true): Buffer {
    const first = this.chunks[0] as Buffer;
    const joined = first.length >= n ? first : Buffer.concat(this.chunks, this.buffered);
    if (consume) {
      const rest = joined.subarray(n);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered -= n;
    } else if (joined !== first) {
      this.chunks = [joined];
    }
    return joined.subarray(0, n);
  }
}
