import { deserialize, serialize } from 'node:v8';

/**
 * The wire between main and a Node plugin host: each message is a 4-byte big-endian length and the
 * message in V8's serialization (the format Node's own IPC uses, so byte arrays cross without
 * becoming text). Node's IPC channel is not used because its parser throws out of the receiving
 * process on a malformed frame, and a plugin host runs plugin code that can write anything to its
 * end of the socket. Here a bad frame is an error the receiver handles.
 */
const HEADER_BYTES = 4;

/** Larger than any message the host sends (a 16 MiB panel call, a 10 MiB HTTP response as JSON). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export class FrameError extends Error {}

/** A message as the two pieces of its frame, header and body, to be written one after the other. */
export function encodeFrame(message: unknown): [Buffer, Buffer] {
  const body = serialize(message);
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  return [header, body];
}

/** Writes a message's frame with one system call where the stream allows it. */
export function writeFrame(stream: { cork(): void; uncork(): void; write(chunk: Buffer): boolean }, message: unknown): void {
  const [header, body] = encodeFrame(message);
  stream.cork();
  stream.write(header);
  stream.write(body);
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
      const frame = this.take(HEADER_BYTES + length);
      try {
        messages.push(deserialize(frame.subarray(HEADER_BYTES)));
      } catch (e) {
        throw new FrameError(`a frame cannot be read: ${(e as Error).message}`);
      }
    }
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
