import { join } from 'node:path';

/**
 * The control socket (design §9): how the command line reaches a running app. One JSON line per
 * request and per answer, on a Unix socket in the data folder, in a folder only its owner can
 * enter; no plugin sandbox sees the data folder.
 */
export const controlSocketPath = (home: string): string => join(home, 'control', 'app.sock');

export interface ControlRequest {
  id: number;
  channel: string;
  args: unknown[];
}

export type ControlAnswer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The longest line either side accepts: a request's arguments are bounded by the router anyway. */
export const MAX_CONTROL_LINE = 16 * 1024 * 1024;
