/**
 * Run as a child process by faults.test.ts: adds a grant and dies (SIGKILL) between writing the new
 * grants file and renaming it into place, as a power cut or a crash of main would.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const [path] = process.argv.slice(2);
fs.renameSync = () => {
  process.kill(process.pid, 'SIGKILL');
};
syncBuiltinESMExports();
const { GrantStore } = await import('../../main/core/grants/store');
new GrantStore(path as string).add({ pluginId: 'dev.t.p', permission: 'network_http', scheme: 'https', host: 'new.example.com', port: 443, via: 'prompt: allow always' }, 'panel');
process.stdout.write('the rename was not interrupted\n');
