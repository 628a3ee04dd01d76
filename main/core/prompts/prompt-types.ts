/** Permission prompts and their answers, as main and the panels see them. Pure: no Node, so panels share it. */

/** The user's answer: this request only, until the app quits, for 24 hours, always, or no. */
export type PromptAnswer = 'allow-once' | 'allow-session' | 'allow-day' | 'allow-always' | 'deny';

export const PROMPT_ANSWERS: readonly PromptAnswer[] = ['allow-once', 'allow-session', 'allow-day', 'allow-always', 'deny'];

interface PromptBase {
  id: string;
  pluginId: string;
  pluginName: string;
  tier: 'Sensitive';
  reason: string;
  createdAt: string;
  expiresAt: string;
  /** Who the plugin says it is, from its manifest (see `PromptContext`). */
  pluginVersion?: string;
  pluginAuthor?: string;
  /** What the plugin was doing: the commands it was running when it asked, or none. */
  runningCommands?: string[];
}

/** What main adds to every prompt about the plugin that asks, and about what it asked before. */
export interface PromptContext {
  pluginVersion: string;
  pluginAuthor: string;
  runningCommands: string[];
  /** For a network prompt: no request of this plugin to this scheme, host and port was recorded before. */
  firstToHost: boolean;
}

/** Before a plugin's first request to a host (design §2 flow 3). */
export interface NetworkPrompt extends PromptBase {
  kind: 'network';
  permission: 'network_http';
  method: string;
  /** The full URL with secrets removed. */
  url: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  unencrypted: boolean;
  /** Set by main: whether this is the plugin's first request to this origin, or it asked before. */
  firstToHost?: boolean;
}

/** Before a plugin's first use of a folder outside its own (`filesystem_read`/`filesystem_write`). */
export interface FilePrompt extends PromptBase {
  kind: 'file';
  permission: 'filesystem_read' | 'filesystem_write';
  access: 'read' | 'write';
  /** The file asked for, and the folder an "allow always" covers. */
  path: string;
  folder: string;
  /** What the access is for when it is not the plugin's own file call, e.g. "to run git there". */
  purpose?: string;
}

export type PermissionPrompt = NetworkPrompt | FilePrompt;

type Details<P> = P extends PermissionPrompt ? Omit<P, 'id' | 'createdAt' | 'expiresAt'> : never;
export type PromptDetails = Details<PermissionPrompt>;

/**
 * Shows a prompt and resolves with the user's answer. The UI, the web host and tests plug one in.
 * `signal` aborts when the prompt expires, so the asker can take it off the screen.
 */
export type Asker = (prompt: PermissionPrompt, signal?: AbortSignal) => Promise<PromptAnswer>;

export type PromptOutcome = PromptAnswer | 'timeout' | 'unavailable';
