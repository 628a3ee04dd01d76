import { describe, expect, it } from 'vitest';
import { displayFields, displayText } from './display-text';

describe('text a plugin controls, as panels and prompts show it', () => {
  it.each([
    ['invoice\u202Egpj.exe', 'invoice<U+202E>gpj.exe'],
    ['Safe\u2066 Plugin\u2069', 'Safe<U+2066> Plugin<U+2069>'],
    ['a\u200Bb\uFEFFc', 'a<U+200B>b<U+FEFF>c'],
    ['bell\u0007 and escape\u001b[31m', 'bell<U+0007> and escape<U+001B>[31m'],
    ['two\nlines\tand tab', 'two lines and tab'],
    ['\u061Carabic mark', '<U+061C>arabic mark'],
  ])('makes hidden and reordering characters visible: %j', (raw, shown) => {
    expect(displayText(raw)).toBe(shown);
  });

  it('leaves ordinary text of any script alone', () => {
    for (const text of ['Notes', 'Ünïcödé Plugin', '笔记', 'ملاحظات', '/home/u/My Files/a b.txt']) expect(displayText(text)).toBe(text);
  });

  it('neutralises every string of a prompt, in lists too, and nothing else', () => {
    expect(displayFields({ path: '/tmp/\u202Etxt.exe', args: ['-m', 'x\u2067y'], port: 443, cwd: null })).toEqual({ path: '/tmp/<U+202E>txt.exe', args: ['-m', 'x<U+2067>y'], port: 443, cwd: null });
  });
});
