import { describe, expect, it } from 'vitest';
import { describeExit } from './launcher';

describe("why a plugin host ended, in the user's words", () => {
  it('names the signal and its meaning, with the last lines the host wrote', () => {
    expect(describeExit({ code: null, signal: 'SIGSEGV', stderrTail: 'a\nb\nc\nd\n' })).toBe('plugin host was killed by SIGSEGV (segmentation fault): b | c | d');
    expect(describeExit({ code: 3, signal: null, stderrTail: '' })).toBe('plugin host exited with code 3');
  });

  it("gives main's own reason for stopping it, however much the host wrote while it was being killed", () => {
    const dying = 'Error: the plugin host cannot read its channel to main\n    at serve (index.js:1:1)\n\nNode.js v20\n';
    expect(describeExit({ code: null, signal: 'SIGKILL', stderrTail: dying, stoppedBecause: 'sent a malformed message (a frame of 8 bytes); it was stopped' })).toBe(
      'plugin host sent a malformed message (a frame of 8 bytes); it was stopped',
    );
  });
});
