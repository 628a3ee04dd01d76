import { readStateFile, writeFileAtomic } from '../atomic-file';

/** What the host remembers of an installed plugin (the original's PluginRecord, plus approvals). */
export interface PluginRecord {
  id: string;
  version: string;
  enabled: boolean;
  installDate: string;
  updateDate: string | null;
  /** Where it came from: a folder, a package, or "placed by hand" in the plugins folder. */
  installSource: string;
  /** Keys of Standard and Sensitive permissions the user approved. */
  approved: string[];
  /** Keys of Restricted permissions the user turned on by hand. */
  restrictedEnabled: string[];
  /**
   * The SHA-256 of the native library the user approved (recorded at install, or when a plugin
   * placed by hand was first seen): a library changed on disk since does not start.
   */
  librarySha256?: string;
}

interface RegistryFile {
  version: 1;
  plugins: PluginRecord[];
}

const isRecord = (r: unknown): r is PluginRecord => {
  const p = r as Partial<PluginRecord> | null;
  return (
    typeof p === 'object' && p !== null && typeof p.id === 'string' && typeof p.version === 'string' && typeof p.enabled === 'boolean' &&
    Array.isArray(p.approved) && p.approved.every((k) => typeof k === 'string') && Array.isArray(p.restrictedEnabled) && p.restrictedEnabled.every((k) => typeof k === 'string')
  );
};

function parseRegistryFile(text: string): RegistryFile {
  const data = JSON.parse(text) as Partial<RegistryFile>;
  if (data.version !== 1 || !Array.isArray(data.plugins) || !data.plugins.every(isRecord)) throw new Error('unexpected structure');
  return data as RegistryFile;
}

/**
 * `plugins.json` in the data folder: install records, enabled flags and approvals, written
 * atomically. A file that cannot be read is moved aside and reported; every plugin then asks for
 * approval again rather than keeping approvals nobody can check.
 */
export class PluginRegistry {
  private records = new Map<string, PluginRecord>();
  readonly loadProblem: string | undefined;

  constructor(
    private readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    const read = readStateFile(path, parseRegistryFile, this.now(), 'every plugin asks for approval again');
    for (const r of read.value?.plugins ?? []) this.records.set(r.id, r);
    this.loadProblem = read.problem;
  }

  get(id: string): PluginRecord | undefined {
    return this.records.get(id);
  }

  all(): PluginRecord[] {
    return [...this.records.values()];
  }

  /** Creates or replaces a record; the file is written before memory changes. */
  put(record: PluginRecord): PluginRecord {
    const next = new Map(this.records).set(record.id, record);
    this.save(next);
    return record;
  }

  update(id: string, change: Partial<Omit<PluginRecord, 'id'>>): PluginRecord {
    const current = this.records.get(id);
    if (!current) throw new Error(`no plugin ${id} is installed`);
    return this.put({ ...current, ...change });
  }

  remove(id: string): void {
    if (!this.records.has(id)) return;
    const next = new Map(this.records);
    next.delete(id);
    this.save(next);
  }

  stamp(): string {
    return this.now().toISOString();
  }

  private save(next: Map<string, PluginRecord>): void {
    const file: RegistryFile = { version: 1, plugins: [...next.values()].sort((a, b) => a.id.localeCompare(b.id)) };
    writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
    this.records = next;
  }
}
