import { describe, expect, it } from 'vitest';
import { redact } from './redact';

describe('redact', () => {
  it.each([
    ['Authorization: Bearer abc123', 'Authorization: Bearer [REDACTED]'],
    ['request failed auth=Bearer eyJhbGciOi.x', 'request failed auth=Bearer [REDACTED]'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic [REDACTED]'],
    ['x-api-key: abcdef', 'x-api-key: [REDACTED]'],
    ['api_key=supersecret model=gpt', 'api_key=[REDACTED] model=gpt'],
    ['{"apiKey":"s3cr3t"}', '{"apiKey":"[REDACTED]"}'],
    ['password=hunter2', 'password=[REDACTED]'],
    ['using key sk-proj-ABCDEFGHIJKLMNOPQRST', 'using key sk-[REDACTED]'],
    ['img data:image/png;base64,iVBORw0KGgoAAAANSUhEUg== done', 'img data:image/png;base64,[REDACTED] done'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('removes long base64 runs', () => {
    const blob = Buffer.alloc(300, 7).toString('base64');
    expect(redact(`payload ${blob} end`)).toBe('payload [REDACTED base64] end');
  });

  it('keeps the operational details the guide recommends', () => {
    const line = 'image request started request_id=hfis-123 model=gpt-image-2.0 size=1024x1024 status=502 elapsed_ms=1842 auth_present=true';
    expect(redact(line)).toBe(line);
  });
});
