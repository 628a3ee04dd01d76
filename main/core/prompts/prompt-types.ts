/** Permission prompts and their answers, as main and the panels see them. Pure: no Node, so panels share it. */

/** The user's answer: this request only, until the app quits, for 24 hours, always, no, or never (until revoked). */
export type PromptAnswer = 'allow-once' | 'allow-session' | 'allow-day' | 'allow-always' | 'deny' | 'deny-always';

export const PROMPT_ANSWERS: readonly PromptAnswer[] = ['allow-once', 'allow-session', 'allow-day', 'allow-always', 'deny', 'deny-always'];

/** An answer with who gave it (`panel`, `command line`), as the app's asker gives it. */
export interface AnsweredPrompt {
  answer: PromptAnswer;
  by: string;
}

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
  /** For a network prompt: the plugin was never asked about this scheme, host and port, nor given or refused a standing answer for it. */
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
  /** Where the host is, when its name or address says so before any lookup: this computer, or the local network. */
  locality?: 'this computer' | 'the local network';
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
export type Asker = (prompt: PermissionPrompt, signal?: AbortSignal) => Promise<PromptAnswer | AnsweredPrompt>;

export type PromptOutcome = PromptAnswer | 'timeout' | 'unavailable';

/** How a prompt ended, and who answered it (`prompt` when the asker does not say: a scripted one). */
export interface PromptResult {
  outcome: PromptOutcome;
  by: string;
}
