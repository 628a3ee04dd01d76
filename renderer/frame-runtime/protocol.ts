/**
 * The messages between a plugin's frame and the panel page that holds it (postMessage, checked on
 * both sides for the exact window and origin). Pure types and guards: both sides import them.
 */
export const FRAME_PROTOCOL = 'hf-frame-1';

/** What the host page tells a frame: the theme and what the app shows, as `__HF_HOST` reads them. */
export interface HostSnapshot {
  theme: 'light' | 'dark';
  /** The contract's theme variables (`--color-primary`, …) with their values now. */
  colors: Record<string, string>;
  activeModule: string;
}

export type FromFrame =
  | { hf: typeof FRAME_PROTOCOL; type: 'ready' }
  | { hf: typeof FRAME_PROTOCOL; type: 'call'; id: number; command: string; args: unknown }
  /** `__HF_HOST.app.setActiveModule` / `openSettingsTab`: the panels decide whether to follow. */
  | { hf: typeof FRAME_PROTOCOL; type: 'navigate'; module: string }
  /** An error the frame could not show itself (a bundle that threw while loading). */
  | { hf: typeof FRAME_PROTOCOL; type: 'error'; message: string };

export type ToFrame =
  | { hf: typeof FRAME_PROTOCOL; type: 'reply'; id: number; ok: true; value: unknown }
  | { hf: typeof FRAME_PROTOCOL; type: 'reply'; id: number; ok: false; error: string }
  | { hf: typeof FRAME_PROTOCOL; type: 'event'; event: string; payload: unknown }
  | { hf: typeof FRAME_PROTOCOL; type: 'host'; snapshot: HostSnapshot };

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A frame's message as the host page accepts it; anything else is dropped. */
export function readFromFrame(data: unknown): FromFrame | undefined {
  if (!isObject(data) || data.hf !== FRAME_PROTOCOL) return undefined;
  switch (data.type) {
    case 'ready':
      return { hf: FRAME_PROTOCOL, type: 'ready' };
    case 'call':
      return typeof data.id === 'number' && Number.isInteger(data.id) && typeof data.command === 'string' && data.command.length > 0 && data.command.length <= 200
        ? { hf: FRAME_PROTOCOL, type: 'call', id: data.id, command: data.command, args: data.args }
        : undefined;
    case 'navigate':
      return typeof data.module === 'string' && data.module.length <= 200 ? { hf: FRAME_PROTOCOL, type: 'navigate', module: data.module } : undefined;
    case 'error':
      return typeof data.message === 'string' ? { hf: FRAME_PROTOCOL, type: 'error', message: data.message.slice(0, 2000) } : undefined;
    default:
      return undefined;
  }
}
