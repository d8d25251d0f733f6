import type { Logger } from 'pino';
import { evictCache } from '../git/cache-eviction.ts';

/** Walking the cache costs a stat per file: at most this often per process. */
const EVERY_MS = 30_000;

/**
 * Keeps a worker's mirror cache under `mirror.cacheMaxBytes` (least recently synced entries go first),
 * checked after syncs but not more often than every 30 s. Without a cap it does nothing.
 */
export function createCacheKeeper(
  cacheDir: string,
  maxBytes: number | undefined,
  log: Logger,
): () => Promise<void> {
  let last = 0;
  let running: Promise<void> | undefined;
  return () => {
    if (maxBytes === undefined || running !== undefined || Date.now() - last < EVERY_MS)
      return Promise.resolve();
    last = Date.now();
    running = evictCache(cacheDir, maxBytes)
      .then((removed) => {
        if (removed.length > 0)
          log.info(
            { evicted: removed.length, bytes: removed.reduce((s, e) => s + e.bytes, 0), maxBytes },
            'mirror cache over its cap; least recently synced entries removed',
          );
      })
      .catch((err: unknown) => log.warn({ err }, 'could not trim the mirror cache'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}
