// `npm start`: Electron where its binary is present, otherwise the web host (design §6), saying so.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './native-env.mjs';

const electronDir = join(root, 'node_modules', 'electron');
const pathFile = join(electronDir, 'path.txt');
const electronBinary = existsSync(pathFile) ? join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : undefined;

let child;
if (electronBinary && existsSync(electronBinary)) {
  console.log('Starting HaloForge Host (Electron).');
  child = spawn(electronBinary, [root], { stdio: 'inherit' });
} else {
  console.log("Electron's binary is not installed on this machine, so HaloForge Host runs as the web host: the same core and panels, served on loopback only (app.localhost).");
  child = spawn(process.execPath, [join(root, 'out', 'main', 'web.js')], { stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
