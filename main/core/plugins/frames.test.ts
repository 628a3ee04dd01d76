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

  it('refuse a frame that is not V8 serialization', () => {
    const garbage = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('garbage!')]);
    expect(() => new FrameReader(1024).push(garbage)).toThrow(FrameError);
  });

  it('refuse a frame over the limit before reading it', () => {
    const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
    expect(() => new FrameReader(1024).push(huge)).toThrow(/over the limit of 1024/);
  });
});
