import { spawn } from 'node:child_process';

/** A rustup toolchain name as `rustup toolchain install` takes it (`1.97.0`, `nightly-2026-05-20`). */
export const TOOLCHAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Installs a Rust toolchain with rustup, when the user asks (a plugin built by that compiler then
 * gets a bridge of its own). It downloads from rustup's servers; the last lines of what rustup said
 * come back either way.
 */
export function installToolchain(name: string, onLine: (line: string) => void = () => undefined): Promise<{ ok: boolean; output: string }> {
  if (!TOOLCHAIN_NAME.test(name)) return Promise.resolve({ ok: false, output: `"${name}" is not a toolchain name (such as 1.97.0 or nightly-2026-05-20)` });
  return new Promise((resolve) => {
    const rustup = spawn('rustup', ['toolchain', 'install', name, '--profile', 'minimal'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const take = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean)) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      }
    };
    rustup.stdout.on('data', take);
    rustup.stderr.on('data', take);
    rustup.on('error', (e) => resolve({ ok: false, output: `cannot run rustup: ${e.message}` }));
    rustup.on('close', (code) => resolve({ ok: code === 0, output: tail.join('\n') }));
  });
}
