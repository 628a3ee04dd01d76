import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { installSample, root, tempHome, type InstallOptions } from './fixtures';

export interface RunningWebHost {
  /** The panel's address with this launch's token, as the web host prints it. */
  url: string;
  origin: string;
  home: string;
}

/**
 * Starts the real web host (`out/main/web.js`, what `npm start` runs without Electron) in a process
 * of its own, over a fresh HALOFORGE_HOME holding `samples` (by name, or with a changed manifest).
 */
export async function startWebHostProcess(samples: Array<string | InstallOptions>): Promise<{ host: RunningWebHost; stop: () => Promise<void> }> {
  const { home, cleanup } = tempHome();
  for (const sample of samples) installSample(home, typeof sample === 'string' ? { sample } : sample);
  const running = await launchWebHost(home);
  const stop = async () => {
    await running.end('SIGTERM');
    cleanup();
  };
  return { host: { url: running.url, origin: new URL(running.url).origin, home }, stop };
}

/**
 * The web host over an existing HALOFORGE_HOME, on `port` when given (a restart on the same
 * address), with `env` added (another HOME); `end` stops it with a signal (SIGKILL: as if it
 * crashed) and waits for it to exit.
 */
export async function launchWebHost(home: string, port?: number, env: NodeJS.ProcessEnv = {}): Promise<{ url: string; port: number; end: (signal: NodeJS.Signals) => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [join(root, 'out', 'main', 'web.js')], {
    env: { ...process.env, HALOFORGE_HOME: home, RUST_LOG: '', ...(port ? { HALOFORGE_PORT: String(port) } : {}), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      seen += chunk;
      const m = /(http:\/\/app\.localhost:\d+\/#token=\S+)/.exec(seen);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`web host exited with ${code}: ${seen}`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  };
  return { url, port: Number(new URL(url).port), end };
}
