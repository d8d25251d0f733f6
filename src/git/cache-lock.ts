import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Gh2ccError } from '../util/errors.ts';
import { settled } from '../util/settled.ts';

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
export function lockCacheEntry(storeDir: string): Promise<() => Promise<void>> {
  // Small local files: the synchronous calls cost microseconds where the promise API's thread-pool round trips
  // cost more (see readRefFiles); two per repository sync.
  return settled(() => lockNow(storeDir));
}

function lockNow(storeDir: string): () => Promise<void> {
  const path = join(
    dirname(dirname(storeDir)),
    '.locks',
    basename(dirname(storeDir)),
    `${basename(storeDir)}.lock`,
  );
  mkdirSync(dirname(path), { recursive: true });
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      return () => settled(() => rmSync(path, { force: true }));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid?: number; host?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number; host?: string };
      } catch {
        // Gone meanwhile, or half written by a crash: taken over below.
      }
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
      rmSync(path, { force: true });
    }
  }
  throw new Gh2ccError('busy', 'could not take the repository lock');
}
