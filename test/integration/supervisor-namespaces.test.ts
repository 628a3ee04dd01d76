/**
 * Where each plugin host's supervisor gets the namespaces it mounts grants in (design §8.1): made by
 * itself where the kernel allows it, as here, or inside an outer bubblewrap where it does not (an
 * Ubuntu with AppArmor's restriction of user namespaces). Both ways give the plugin host the same
 * walls and the same view; the tests judge the real processes and the real disk.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtArtifacts } from '../../main/core/app-paths';
import { standardLauncher } from '../../main/core/host';
import { findBubblewrap } from '../../main/core/sandbox/bubblewrap';
import { supervisorNamespaces, type SupervisorNamespaces } from '../../main/core/sandbox/supervisor-namespaces';
import { startedHost } from '../helpers/hosts';
import { scratchHome, userFolder } from '../helpers/per-test';

const EDITOR = 'dev.haloforge.sample.editor';

const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
const namespace = (pid: number | 'self', kind: string) => readlinkSync(`/proc/${pid}/ns/${kind}`);
const parentOf = (pid: number) => Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);

/** The editor sample, started with its supervisor's namespaces made `namespaces`' way. */
async function editorWith(namespaces: SupervisorNamespaces) {
  const home = scratchHome();
  const started = await startedHost([{ sample: 'editor' }], () => 'allow-always', home, { launcher: standardLauncher(home, findBubblewrap(), undefined, namespaces) });
  const pid = started.host.plugins.pidOf(EDITOR);
  if (pid === undefined) throw new Error('the editor is not running');
  return { ...started, pid };
}

describe("a plugin host's supervisor", () => {
  it('makes its own namespaces on this machine, as its probe finds', () => {
    expect(supervisorNamespaces(builtArtifacts().supervisor)).toEqual({ own: true });
  });

  for (const [way, namespaces, first] of [
    ['in namespaces it makes itself', { own: true }, 'hf-supervisor'],
    ['inside bubblewrap where it cannot make its own', { own: false, reason: 'the test asks for the fallback' }, 'bwrap'],
  ] as const) {
    it(`${way}: its plugin host is sandboxed the same, and reads and writes the user's file on disk`, async () => {
      const { host, pid } = await editorWith(namespaces);
      // What main started: the supervisor itself, or the outer bubblewrap around it.
      expect(comm(pid)).toBe(first);
      expect(parentOf(pid)).toBe(process.pid);
      const supervisor = first === 'bwrap' ? childrenOf(pid).find((c) => comm(c) === 'hf-supervisor') : pid;
      if (supervisor === undefined) throw new Error('no supervisor below the outer bubblewrap');
      for (const kind of ['user', 'mnt', 'net', 'ipc', 'uts']) expect(namespace(supervisor, kind)).not.toBe(namespace('self', kind));
      // Its /run is its own, with the tree and nothing of the host's.
      expect(readdirSync(`/proc/${supervisor}/root/run`)).toEqual(['hf']);
      expect(host.plugins.get(EDITOR)?.sandbox).toMatchObject({ state: 'sandboxed', summary: expect.stringContaining('grants mounted by its supervisor') as string });
      const docs = userFolder({ 'notes.md': '# Notes\n' });
      const file = join(docs, 'notes.md');
      await expect(host.plugins.invoke(EDITOR, 'md_open', { path: file })).resolves.toEqual({ path: file, text: '# Notes\n' });
      await expect(host.plugins.invoke(EDITOR, 'md_save', { path: file, text: 'saved\n' })).resolves.toEqual({ saved: file });
      expect(readFileSync(file, 'utf8')).toBe('saved\n');
    });
  }
});
