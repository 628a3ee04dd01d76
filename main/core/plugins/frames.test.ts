import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameError, FrameReader } from './frames';

const MESSAGES = [{ type: 'invoke', id: 1, command: 'ping', args: '{"a":1}' }, { type: 'outbox', json: Buffer.from('[{"type":"result"}]') }, { type: 'stats' }];

describe('frames between main and a plugin host', () => {
  it('carry messages, byte arrays included, however the stream is cut', () => {
    const stream = Buffer.concat(MESSAGES.flatMap((m) => encodeFrame(m)));
    for (let cut = 1; cut < stream.length; cut++) {
      const reader = new FrameReader(1024);
      const got = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(got.map((m) => JSON.stringify(m))).toEqual(MESSAGES.map((m) => JSON.stringify(m)));
    }
  });

  it('arrive one byte at a time too', () => {
    const reader = new FrameReader(1024);
    const stream = Buffer.concat(MESSAGES.flatMap((m) => encodeFrame(m)));
    const got: unknown[] = [];
    for (const byte of stream) got.push(...reader.push(Buffer.from([byte])));
    expect(got).toHaveLength(MESSAGES.length);
  });

  it('carry byte arrays as they are, beside the JSON, and give back every other value as JSON does', () => {
    const args = new Uint8Array([0, 1, 2, 255]);
    const pieces = encodeFrame({ type: 'complete', id: 7, json: Buffer.from('{"a":1}'), body: args, nested: { list: [1, 'two', null, true] }, gone: undefined });
    // The bytes go out as the caller's own memory, not a copy.
    expect(pieces.slice(2)).toHaveLength(2);
    expect(pieces[3]?.buffer).toBe(args.buffer);
    const [got] = new FrameReader(1024).push(Buffer.concat(pieces)) as Array<Record<string, unknown>>;
    expect(got).toMatchObject({ type: 'complete', id: 7, nested: { list: [1, 'two', null, true] } });
    expect(Buffer.from(got?.json as Uint8Array).toString()).toBe('{"a":1}');
    expect([...(got?.body as Uint8Array)]).toEqual([0, 1, 2, 255]);
    expect(got).not.toHaveProperty('gone');
  });

  const frameOf = (body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
  const bodyOf = (json: string, tail = Buffer.alloc(0)) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(Buffer.byteLength(json));
    return Buffer.concat([length, Buffer.from(json), tail]);
  };

  it.each([
    ['JSON that does not parse', bodyOf('{"type":'), /JSON cannot be read/],
    ['JSON that is not an object', bodyOf('[1,2]'), /not an object/],
    ['a JSON length past its end', Buffer.concat([Buffer.from([0, 0, 0, 99]), Buffer.from('{}')]), /runs 97 bytes past its end/],
    ['a field claiming more bytes than follow', bodyOf('{"batch":{"$bytes":10}}', Buffer.from('short')), /field "batch" claims bytes/],
    ['a field claiming a negative count of bytes', bodyOf('{"batch":{"$bytes":-1}}'), /field "batch" claims bytes/],
    ['bytes that no field claims', bodyOf('{"type":"stats"}', Buffer.from('extra')), /5 bytes that no field claims/],
  ])('refuse a frame with %s', (_, body, reason) => {
    expect(() => new FrameReader(1024).push(frameOf(body))).toThrow(FrameError);
    expect(() => new FrameReader(1024).push(frameOf(body))).toThrow(reason);
  });

  it('refuse a frame over the limit before reading it', () => {
    const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
    expect(() => new FrameReader(1024).push(huge)).toThrow(/over the limit of 1024/);
  });
});
