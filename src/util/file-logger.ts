import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DestinationStream } from 'pino';
import { createLogger, type Logger } from './logger.ts';
import { stateDir } from './user-dirs.ts';

/**
 * Where a command's detailed log goes unless told: `<command>-<time>.log` in `dir` (`log.dir`,
 * `GH2CC_LOG_DIR`), else in the per-user state folder's `logs/` (user-dirs.ts).
 */
export function defaultLogFile(
  given: string | undefined,
  command: string,
  dir?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  if (given !== undefined) return resolve(given);
  const name = `${command}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;
  return resolve(dir ?? join(stateDir(env), 'logs'), name);
}

/**
 * A log file created with its first line: a run that ends before it logs anything (say, on a configuration
 * error) leaves no empty file behind. Each line is written before `write` returns, so nothing is lost when a
 * run is cut short.
 */
class FileOnFirstLine implements DestinationStream {
  private fd: number | undefined;

  constructor(private readonly path: string) {}

  write(line: string): void {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'a');
    }
    const bytes = Buffer.from(line);
    for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done);
  }
}

/** A logger writing JSON lines to a file. */
export function fileLogger(path: string, level: string): Logger {
  return createLogger({ level: level as 'info', destination: new FileOnFirstLine(path) });
}
