import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scratchHome } from '../../test/helpers/per-test';
import { choosePort, rememberPort, webPortFile } from './web-port';

describe("the web host's port", () => {
  it('is HALOFORGE_PORT when it is set, which must then be had', () => {
    expect(choosePort(scratchHome(), { HALOFORGE_PORT: '8377' })).toEqual({ port: 8377, required: true });
    expect(() => choosePort(scratchHome(), { HALOFORGE_PORT: 'eighty' })).toThrow('HALOFORGE_PORT must be a port number (1-65535), not "eighty"');
    expect(() => choosePort(scratchHome(), { HALOFORGE_PORT: '70000' })).toThrow(/must be a port number/);
  });

  it("is otherwise the last launch's, if it was remembered, and may be given up", () => {
    const home = scratchHome();
    expect(choosePort(home, {})).toEqual({ port: undefined, required: false });
    rememberPort(home, 41234);
    expect(choosePort(home, {})).toEqual({ port: 41234, required: false });
  });

  it('is any free one when what was remembered cannot be read', () => {
    const home = scratchHome();
    for (const text of ['{"port": "41234"}', '{"port": 0}', 'not json']) {
      writeFileSync(webPortFile(home), text);
      expect(choosePort(home, {})).toEqual({ port: undefined, required: false });
    }
  });
});
