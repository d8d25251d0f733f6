import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Gh2ccError } from '../util/errors.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Holds one cache entry (`<cache>/<owner>/<repo>.git`) for one gh2cc process on this host: a lock file in
 * `<cache>/.locks/` with pid and host, so two runs sharing a cache never fetch or push the same repository at
 * once. A lock whose process is gone is taken over. Returns the release function, or throws a conflict
 * naming the holder. (Across hosts, the queue's Redis lock does this job.)
 */
export async function lockCacheEntry(storeDir: string): Promise<() => Promise<void>> {
  const path = join(
    dirname(dirname(storeDir)),
    '.locks',
    basename(dirname(storeDir)),
    `${basename(storeDir)}.lock`,
  );
  await mkdir(dirname(path), { recursive: true });
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(path, mine, { flag: 'wx' });
      return async () => {
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder: { pid?: number; host?: string } = await readFile(path, 'utf8').then(
        (t) => JSON.parse(t) as { pid?: number; host?: string },
        () => ({}),
      );
      if (holder.host === hostname() && holder.pid !== undefined && isAlive(holder.pid)) {
        throw new Gh2ccError(
          'conflict',
          `another gh2cc process (pid ${holder.pid}) is working on this repository`,
          {
            retryable: false,
            fix: 'let that run finish (or stop it), then run again',
          },
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new Gh2ccError('busy', 'could not take the repository lock');
}
