import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Level, type LevelFilter, parseRustLog } from './filter';
import { redact } from './redact';
import type { LogRecord } from './record';

/** The daily app log of design §5: host, plugins and panels in one file. */
export interface Logger {
  log(level: Level, target: string, message: string): void;
}

export const HOST_TARGET = 'haloforge-host';


const LINE = /^(\S+) +(TRACE|DEBUG|INFO|WARN|ERROR) (\S+): (.*)$/;

/** Reads a formatted line back into a record (for the Logs panel's first screen). */
export function parseRecord(line: string): LogRecord | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return { time: m[1] as string, level: (m[2] as string).toLowerCase() as Level, target: m[3] as string, message: m[4] as string };
}

export function logFileName(date: Date): string {
  return `haloforge.log.${date.toISOString().slice(0, 10)}`;
}

/** A record as it is written: redacted, and with control characters escaped so a message cannot forge a line. */
function toRecord(time: Date, level: Level, target: string, message: string): LogRecord {
  const oneLine = redact(message).replace(/[\r\n\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : ' '));
  return { time: time.toISOString(), level, target, message: oneLine };
}

function formatLine(r: LogRecord): string {
  return `${r.time} ${r.level.toUpperCase().padStart(5)} ${r.target}: ${r.message}\n`;
}

/** One record as one line of the log file. */
export function formatRecord(time: Date, level: Level, target: string, message: string): string {
  return formatLine(toRecord(time, level, target, message));
}

export class FileLogger implements Logger {
  private readonly allow: LevelFilter;

  private readonly listeners = new Set<(record: LogRecord) => void>();

  constructor(
    private readonly dir: string,
    rustLog: string | undefined = process.env.RUST_LOG,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.allow = parseRustLog(rustLog);
    mkdirSync(dir, { recursive: true });
  }

  /** Follows the log: told of every record written from now on. */
  follow(listener: (record: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last `limit` records of today's file. */
  tail(limit: number): LogRecord[] {
    const file = join(this.dir, logFileName(this.now()));
    if (!existsSync(file)) return [];
    const lines = readFileSync(file, 'utf8').split('\n');
    return lines
      .slice(-limit - 1)
      .map(parseRecord)
      .filter((r): r is LogRecord => r !== undefined);
  }

  log(level: Level, target: string, message: string): void {
    if (!this.allow(target, level)) return;
    const time = this.now();
    const record = toRecord(time, level, target, message);
    try {
      appendFileSync(join(this.dir, logFileName(time)), formatLine(record));
    } catch (e) {
      // The log must never take the host down; say so once on stderr instead.
      process.stderr.write(`haloforge: cannot write the log in ${this.dir}: ${(e as Error).message}\n`);
      return;
    }
    this.listeners.forEach((l) => l(record));
  }
}
