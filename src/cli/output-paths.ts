import { accessSync, constants, mkdirSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Gh2ccError, errorMessage } from '../util/errors.ts';
import { fileLogger } from '../util/file-logger.ts';
import type { Logger } from '../util/logger.ts';

/**
 * Checks, before any work starts, that a file named on the command line (`--report`, `--log-file`) can be
 * written: its directory exists and is writable, and the file itself, if present, is a writable file. A
 * mistyped path is then a usage error naming the path, not a stack trace after the run.
 */
export async function checkOutputPath(flag: string, path: string): Promise<void> {
  const file = resolve(path);
  const dir = dirname(file);
  const problem = await whyNotWritable(file, dir);
  if (problem !== undefined) throw new Gh2ccError('usage', `${flag} ${path}: ${problem}`);
}

async function whyNotWritable(file: string, dir: string): Promise<string | undefined> {
  const dirStat = await stat(dir).catch((err: unknown) => err as NodeJS.ErrnoException);
  if (dirStat instanceof Error) {
    if (dirStat.code === 'ENOENT') return `directory ${dir} does not exist`;
    if (dirStat.code === 'ENOTDIR') return `${dir} is not a directory`;
    return `cannot use directory ${dir} (${dirStat.code ?? dirStat.message})`;
  }
  if (!dirStat.isDirectory()) return `${dir} is not a directory`;
  const fileStat = await stat(file).catch(() => undefined);
  if (fileStat?.isDirectory() === true) return `${file} is a directory`;
  const target = fileStat === undefined ? dir : file;
  const denied = await access(target, constants.W_OK).then(
    () => undefined,
    (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'not writable',
  );
  if (denied === undefined) return undefined;
  const what = fileStat === undefined ? `directory ${dir}` : `file ${file}`;
  return denied === 'EROFS' ? `${what} is on a read-only file system` : `${what} is not writable (${denied})`;
}

/**
 * Prepares a command's log file: its folder is made (the default one lives in the per-user state folder) and
 * must be writable, a usage error before any work starts otherwise. The file itself appears with the first
 * line logged, so a run that fails on its configuration leaves no empty log behind.
 */
export function openLogFile(path: string, level: string, given: boolean): Logger {
  try {
    mkdirSync(dirname(path), { recursive: true });
    accessSync(dirname(path), constants.W_OK);
  } catch (err) {
    throw new Gh2ccError('usage', `${given ? '--log-file' : 'log file'} ${path}: ${errorMessage(err)}`, {
      ...(given
        ? {}
        : { fix: 'pass --log-file with a writable path, or set XDG_STATE_HOME to a writable folder' }),
    });
  }
  return fileLogger(path, level);
}
