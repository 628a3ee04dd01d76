/** The app log as panels read it. Pure: no Node, so panels share it. */
import type { Level } from './filter';

/** One record as panels see it (already redacted). */
export interface LogRecord {
  time: string;
  level: Level;
  target: string;
  message: string;
}
