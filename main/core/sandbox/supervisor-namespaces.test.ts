import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { supervisorNamespaces } from './supervisor-namespaces';

const dir = mkdtempSync(join(tmpdir(), 'hf-namespaces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in supervisor whose probe answers with `exit` after saying `says` on stderr. */
function standIn(name: string, says: string, exit: number): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n[ "$1" = --probe-namespaces ] || exit 9\necho '${says}' >&2\nexit ${exit}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('how supervisors get their namespaces', () => {
  it('their own, when the probe succeeds', () => {
    expect(supervisorNamespaces(standIn('works', '', 0))).toEqual({ own: true });
  });

  it("inside bubblewrap when the probe fails, with the probe's own words as the reason", () => {
    expect(supervisorNamespaces(standIn('refused', 'hf-supervisor: cannot mount a tmpfs on /run: Permission denied', 1))).toEqual({
      own: false,
      reason: 'hf-supervisor: cannot mount a tmpfs on /run: Permission denied',
    });
  });

  it('inside bubblewrap when the supervisor cannot be run at all', () => {
    expect(supervisorNamespaces(join(dir, 'absent'))).toMatchObject({ own: false, reason: expect.stringContaining('ENOENT') as string });
  });

  it('probed once per supervisor: a later change of answer is not seen by this process', () => {
    const path = standIn('once', '', 0);
    expect(supervisorNamespaces(path)).toEqual({ own: true });
    standIn('once', 'now refused', 1);
    expect(supervisorNamespaces(path)).toEqual({ own: true });
  });
});
