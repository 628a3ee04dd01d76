import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file';

/** Where the web host remembers its port, in the data folder (an open tab finds it again after a restart). */
export function webPortFile(home: string): string {
  return join(home, 'web-port.json');
}

const isPort = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) < 65536;

/**
 * The port to listen on, in this order: `HALOFORGE_PORT`, the one the last launch used, any free
 * one. Only `HALOFORGE_PORT` must be had; a remembered one may have been taken since.
 */
export function choosePort(home: string, env: NodeJS.ProcessEnv = process.env): { port: number | undefined; required: boolean } {
  const asked = env.HALOFORGE_PORT === undefined ? undefined : Number(env.HALOFORGE_PORT);
  if (env.HALOFORGE_PORT !== undefined) {
    if (!isPort(asked)) throw new Error(`HALOFORGE_PORT must be a port number (1-65535), not ${JSON.stringify(env.HALOFORGE_PORT)}`);
    return { port: asked, required: true };
  }
  try {
    const path = webPortFile(home);
    const remembered = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { port?: unknown }).port : undefined;
    return { port: isPort(remembered) ? remembered : undefined, required: false };
  } catch {
    return { port: undefined, required: false };
  }
}

export function rememberPort(home: string, port: number): void {
  writeFileAtomic(webPortFile(home), `${JSON.stringify({ port })}\n`);
}
