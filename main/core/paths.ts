import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where HaloForge keeps its data (design §5): `$HALOFORGE_HOME`, else `~/.haloforge`. */
export function haloforgeHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.HALOFORGE_HOME?.trim();
  return fromEnv ? fromEnv : join(homedir(), '.haloforge');
}

export interface HomeLayout {
  home: string;
  plugins: string;
  logs: string;
}

export function homeLayout(home: string): HomeLayout {
  return { home, plugins: join(home, 'plugins'), logs: join(home, 'logs') };
}

/** A plugin's private folder, handed to it as `ctx.data_dir()`. */
export function pluginDataDir(pluginDir: string): string {
  return join(pluginDir, 'data');
}
