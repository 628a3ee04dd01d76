import { describe, expect, it } from 'vitest';
import { HttpBody, isJsonType } from './http-body';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('a brokered body', () => {
  it('reads as the plugin will see it: JSON when it says so and parses, text otherwise', () => {
    expect(new HttpBody(bytes('{"a":[1]}'), true).value()).toEqual({ a: [1] });
    expect(new HttpBody(bytes('{"a":[1]}'), false).value()).toBe('{"a":[1]}');
    expect(new HttpBody(bytes('{"cut": '), true).value()).toBe('{"cut": ');
    expect(new HttpBody(bytes(''), true).value()).toBe('');
    expect(new HttpBody(bytes('café 😀'), false).value()).toBe('café 😀');
  });

  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/problem+json', true],
    ['text/plain', false],
    ['application/jsonl-not-quite', false],
    [undefined, false],
  ])('takes %s for JSON: %s', (type, json) => {
    expect(isJsonType(type)).toBe(json);
  });
});
