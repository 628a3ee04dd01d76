import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { AuditLog } from '../audit/log';
import type { GrantStore } from '../grants/store';
import type { PromptService } from '../prompts/service';
import type { ServedPlugin } from '../plugins/authority';
import type { FsOp } from '../plugins/host-protocol';
import { decideFileAccess } from './file-access';
import { isWithin, realPath } from './real-path';

/** What `ctx.fs()` may move through main at once (the answer crosses the plugin host's channel). */
export const FILE_LIMITS = { maxFileBytes: 16 * 1024 * 1024, maxDirEntries: 10_000 };

const WRITES: ReadonlySet<FsOp> = new Set(['write_file', 'create_dir_all', 'remove_file', 'remove_dir_all']);


export type FileAnswer =
  | { ok: true; data?: string; exists?: boolean; entries?: Array<{ path: string; isDir: boolean; size?: number }> }
  | { ok: false; kind: 'permission' | 'io'; message: string };

/**
 * `ctx.fs()` beyond a plugin's data folder, done by main (design §8): the plugin host sees none of
 * the user's files. Main resolves links, refuses the host's own state whatever was granted, checks
 * the plugin's permission and the user's folder grant (asking on first use), does the work and
 * audits the decision.
 */
export class FileService {
  constructor(
    private readonly deps: {
      grants: GrantStore;
      prompts: PromptService;
      audit: AuditLog;
      /** Folders no plugin may reach through main: the data folder (grants, audit, other plugins…) and the app. */
      protectedRoots: readonly string[];
    },
  ) {}

  async handle(plugin: ServedPlugin, op: FsOp, path: string, data?: string): Promise<FileAnswer> {
    const write = WRITES.has(op);
    if (!isAbsolute(path)) return this.refuse(plugin, path, write, 'path', `${path} is not an absolute path`);
    const real = realPath(path);
    const permission = write ? 'filesystem_write' : 'filesystem_read';
    if (isWithin(real, plugin.dataDir)) {
      // The data folder is the plugin's own, used inside its sandbox; through main only what the
      // *_app_data permissions would allow there is missing.
      return this.refuse(plugin, real, write, `${permission}_app_data`, `${real} is in the plugin's own data folder, which it may ${write ? 'change' : 'read'} through ctx.fs() only with ${permission}_app_data`);
    }
    const host = this.deps.protectedRoots.find((root) => isWithin(real, root));
    if (host) return this.refuse(plugin, real, write, 'host-state', `${real} belongs to HaloForge Host itself (${host}), which no plugin may reach`);
    const { authority } = plugin;
    const holds = write ? authority.holds('filesystem_write') : authority.holds('filesystem_read') || authority.holds('filesystem_write');
    if (!holds) {
      const onlyAppData = authority.holds(`${permission}_app_data`) || authority.holds('filesystem_write_app_data');
      const why = onlyAppData
        ? `${write ? 'writing' : 'reading'} ${real} is outside the plugin's data folder; ${permission}_app_data covers only ${plugin.dataDir}`
        : `${write ? 'writing' : 'reading'} ${real} needs the ${permission} permission`;
      return this.refuse(plugin, real, write, permission, why);
    }
    const folder = op === 'read_dir' || op === 'create_dir_all' || op === 'remove_dir_all' ? real : undefined;
    const decided = await decideFileAccess({ plugin: authority, path: real, write, folder }, this.deps);
    if (!decided.ok) return { ok: false, kind: 'permission', message: decided.message };
    try {
      return await this.perform(op, real, data);
    } catch (e) {
      return { ok: false, kind: 'io', message: `${op.replace(/_/g, ' ')} ${real}: ${(e as Error).message}` };
    }
  }

  private refuse(plugin: ServedPlugin, path: string, write: boolean, rule: string, reason: string): FileAnswer {
    this.deps.audit.refuse({ pluginId: plugin.authority.pluginId, method: 'FILE', url: `file://${path}`, rule, reason: `${write ? 'write' : 'read'}: ${reason}` });
    return { ok: false, kind: 'permission', message: reason };
  }

  private async perform(op: FsOp, path: string, data: string | undefined): Promise<FileAnswer> {
    switch (op) {
      case 'read_file': {
        const size = (await stat(path)).size;
        if (size > FILE_LIMITS.maxFileBytes) throw new Error(`the file has ${size} bytes, more than the ${FILE_LIMITS.maxFileBytes} ctx.fs() reads at once`);
        return { ok: true, data: (await readFile(path)).toString('base64') };
      }
      case 'write_file': {
        const bytes = Buffer.from(data ?? '', 'base64');
        if (bytes.length > FILE_LIMITS.maxFileBytes) throw new Error(`${bytes.length} bytes are more than the ${FILE_LIMITS.maxFileBytes} ctx.fs() writes at once`);
        await writeFile(path, bytes);
        return { ok: true };
      }
      case 'read_dir': {
        const names = await readdir(path, { withFileTypes: true });
        if (names.length > FILE_LIMITS.maxDirEntries) throw new Error(`the folder has ${names.length} entries, more than the ${FILE_LIMITS.maxDirEntries} ctx.fs() lists at once`);
        const entries = await Promise.all(
          names.map(async (d) => {
            const full = join(path, d.name);
            const s = await stat(full).catch(() => undefined);
            return { path: full, isDir: s?.isDirectory() ?? d.isDirectory(), ...(s?.isFile() ? { size: s.size } : {}) };
          }),
        );
        return { ok: true, entries };
      }
      case 'exists':
        return { ok: true, exists: await stat(path).then(() => true, () => false) };
      case 'create_dir_all':
        await mkdir(path, { recursive: true });
        return { ok: true };
      case 'remove_file':
        await rm(path);
        return { ok: true };
      case 'remove_dir_all':
        await rm(path, { recursive: true });
        return { ok: true };
    }
  }
}
