import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Level, type LevelFilter, parseRustLog } from './filter';
import { redact } from './redact';

/** The daily app log of design §5: host, plugins and panels in one file. */
export interface Logger {
  log(level: Level, target: string, message: string): void;
}

export const HOST_TARGET = 'haloforge-host';

export function logFileName(date: Date): string {
  return `haloforge.log.${date.toISOString().slice(0, 10)}`;
}

/** One record as one line: control characters are escaped so a message cannot forge a line. */
export function formatRecord(time: Date, level: Level, target: string, message: string): string {
  const oneLine = redact(message).replace(/[\r\n\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : ' '));
  return `${time.toISOString()} ${level.toUpperCase().padStart(5)} ${target}: ${oneLine}\n`;
}

export class FileLogger implements Logger {
  private readonly allow: LevelFilter;

  constructor(
    private readonly dir: string,
    rustLog: string | undefined = process.env.RUST_LOG,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.allow = parseRustLog(rustLog);
    mkdirSync(dir, { recursive: true });
  }

  log(level: Level, target: string, message: string): void {
    if (!this.allow(target, level)) return;
    const time = this.now();
    try {
      appendFileSync(join(this.dir, logFileName(time)), formatRecord(time, level, target, message));
    } catch (e) {
      // The log must never take the host down; say so once on stderr instead.
      process.stderr.write(`haloforge: cannot write the log in ${this.dir}: ${(e as Error).message}\n`);
    }
  }
}
