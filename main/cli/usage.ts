/** A mistake in how the command line was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
