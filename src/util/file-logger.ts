import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { createLogger, type Logger } from './logger.ts';

/** Where a command's detailed log goes unless told: `.gh2cc/logs/<command>-<time>.log`. */
export function defaultLogFile(given: string | undefined, command: string): string {
  return resolve(
    given ?? join('.gh2cc', 'logs', `${command}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`),
  );
}

/** A logger writing JSON lines to a file (synchronously, so nothing is lost when a run is cut short). */
export function fileLogger(path: string, level: string): Logger {
  mkdirSync(resolve(path, '..'), { recursive: true });
  return createLogger({
    level: level as 'info',
    destination: pino.destination({ dest: path, sync: true, mkdir: true }),
  });
}
