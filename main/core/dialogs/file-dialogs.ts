import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { displayText } from '../display-text';
import { isWithin, realPath } from '../files/real-path';
import { grantProblem } from '../sandbox/grant-view';
import type { GrantStore } from '../grants/store';
import type { Logger } from '../log/logger';
import type { DialogKind, FileFilter, FileDialogRequest, FolderListing } from './dialog-types';


export interface FileDialogsDeps {
  grants: GrantStore;
  logger: Logger;
  /** The host's own state and code: never offered, never granted. */
  protectedRoots: string[];
  timeoutMs: number;
  announce: (pending: FileDialogRequest[]) => void;
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_ENTRIES = 2000;

function readFilters(raw: unknown): FileFilter[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(isObject)
    .slice(0, 20)
    .map((f) => ({ name: displayText(String(f.name ?? '')).slice(0, 100), extensions: Array.isArray(f.extensions) ? f.extensions.filter((e): e is string => typeof e === 'string' && /^[A-Za-z0-9*]{1,16}$/.test(e)).slice(0, 30) : [] }));
}

/**
 * The host's file dialogs for plugin frames. A dialog waits for a panel (one at a time, with the
 * prompts' timeout); what the user chooses becomes a grant for that plugin (reading a chosen file
 * or folder, changing a file chosen to save), shown and revocable in Grants. A plugin learns a path
 * only when the user chose it; the host's own data and code are never offered.
 */
export class FileDialogs {
  private readonly waiting = new Map<string, { request: FileDialogRequest; resolve: (path: string | null) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly deps: FileDialogsDeps) {}

  pending(): FileDialogRequest[] {
    return [...this.waiting.values()].map((w) => w.request);
  }

  /** Opens a dialog for a plugin and resolves with the path the user chose, or null. */
  open(plugin: { id: string; name: string }, kind: DialogKind, raw: unknown): Promise<string | null> {
    const args = isObject(raw) ? raw : {};
    const suggested = typeof args.directory === 'string' && isAbsolute(args.directory) ? realPath(args.directory) : undefined;
    const directory = suggested && existsSync(suggested) && statSync(suggested).isDirectory() && !this.isProtected(suggested) ? suggested : homedir();
    const request: FileDialogRequest = {
      id: randomUUID(),
      pluginId: plugin.id,
      pluginName: displayText(plugin.name),
      kind,
      title: displayText(typeof args.title === 'string' ? args.title : '').slice(0, 200),
      directory,
      home: homedir(),
      defaultName: typeof args.defaultName === 'string' ? displayText(args.defaultName).replace(/[/\\]/g, '_').slice(0, 255) : null,
      filters: readFilters(args.filters),
      expiresAt: new Date(Date.now() + this.deps.timeoutMs).toISOString(),
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(request.id, null), this.deps.timeoutMs);
      this.waiting.set(request.id, { request, resolve, timer });
      this.deps.announce(this.pending());
    });
  }

  /** Lists a folder for the dialog; the host's own folders are not listed. */
  browse(path: string): FolderListing {
    if (!isAbsolute(path)) throw new Error(`${path} is not an absolute path`);
    const real = realPath(normalize(path));
    if (this.isProtected(real)) throw new Error(`${real} holds HaloForge Host's own data or code, which no plugin may be given`);
    const entries = readdirSync(real, { withFileTypes: true })
      .map((e) => ({ name: e.name, folder: e.isDirectory() || (e.isSymbolicLink() && isFolder(join(real, e.name))) }))
      // Folders first; within each, names starting with a dot (hidden ones) after the others.
      .sort((a, b) => Number(b.folder) - Number(a.folder) || Number(a.name.startsWith('.')) - Number(b.name.startsWith('.')) || a.name.localeCompare(b.name))
      .slice(0, MAX_ENTRIES)
      .map((e) => ({ ...e, name: displayText(e.name) }));
    return { path: real, parent: real === '/' ? null : dirname(real), entries };
  }

  /**
   * The user's answer: a path (checked against what the dialog asked for) or null for cancel. A
   * path that does not fit throws, and the dialog stays open. Returns false when it is no longer open.
   */
  answer(id: string, chosen: string | null, grant: { lasts: 'session' | 'always'; by: string }): boolean {
    const w = this.waiting.get(id);
    if (!w) return false;
    if (chosen === null) return this.settle(id, null);
    if (!isAbsolute(chosen)) throw new Error('choose an absolute path');
    const path = realPath(normalize(chosen));
    if (this.isProtected(path)) throw new Error(`${path} holds HaloForge Host's own data or code, which no plugin may be given`);
    const { kind, pluginId, pluginName } = w.request;
    if (kind === 'open-file' && !(existsSync(path) && statSync(path).isFile())) throw new Error(`${path} is not a file`);
    if (kind === 'open-folder' && !isFolder(path)) throw new Error(`${path} is not a folder`);
    if (kind === 'save-file' && (!isFolder(dirname(path)) || isFolder(path))) throw new Error(`${path} cannot be saved to: its folder must exist and it must not be a folder`);
    const permission = kind === 'save-file' ? 'filesystem_write' : 'filesystem_read';
    const tooWide = grantProblem(path, permission === 'filesystem_write');
    if (tooWide) throw new Error(tooWide);
    // A grant's folder covers that path and all below it: a chosen file is covered alone.
    this.deps.grants.addFile({ pluginId, permission, folder: path, via: `chosen in a file dialog of ${pluginName}`, lasts: grant.lasts }, grant.by);
    this.deps.logger.log('info', pluginId, `the user chose ${path} in a file dialog (${kind}); granted ${permission === 'filesystem_write' ? 'changing' : 'reading'} it ${grant.lasts === 'session' ? 'until HaloForge quits' : 'always'}`);
    return this.settle(id, path);
  }

  private settle(id: string, path: string | null): boolean {
    const w = this.waiting.get(id);
    if (!w) return false;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    w.resolve(path);
    this.deps.announce(this.pending());
    return true;
  }

  // A folder above them may be chosen: the file service still refuses what lies inside them.
  private isProtected(path: string): boolean {
    return this.deps.protectedRoots.some((root) => isWithin(path, root));
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
