import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MAIN_NAMESPACES, SANDBOXED_PROOF } from '../../test/helpers/sandbox-proofs';
import { judgeProof } from '../core/sandbox/proof';
import { interfaceNames } from './proof';

describe("a plugin host's look at its own network", () => {
  it('names every interface of its namespace, those with an address among them', () => {
    const names = interfaceNames();
    expect(names).toContain('lo');
    for (const withAddress of Object.keys(networkInterfaces())) expect(names).toContain(withAddress);
  });

  it('names a list it cannot read, so that no proof takes it for loopback only', () => {
    const names = interfaceNames('/nonexistent/net/dev');
    expect(names).toHaveLength(1);
    expect(names[0]).toContain('/nonexistent/net/dev cannot be read');
    expect(judgeProof({ ...SANDBOXED_PROOF, interfaces: names }, MAIN_NAMESPACES)).toMatchObject({ sandboxed: false });
  });
});
