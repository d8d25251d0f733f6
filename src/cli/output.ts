import { sanitize } from '../util/secrets.ts';

/**
 * The CLI's only way to print: command results to stdout, human messages to stderr. Messages pass through
 * the secrets sanitizer; `raw` is for protocol output (JSON line, git credentials) that must not be altered.
 */
export function print(line: string): void {
  process.stdout.write(`${sanitize(line)}\n`);
}

export function printRaw(text: string): void {
  process.stdout.write(text);
}

export function printError(line: string): void {
  process.stderr.write(`${sanitize(line)}\n`);
}
