import { acquireRepoLock } from '../queue/repo-lock.ts';
import type { JobContext } from './job-context.ts';

/**
 * Runs `fn` while holding the repository on every host (the Redis lock), or reports that another worker
 * holds it. Two pushes to one repository never run at once; a worker that loses the lock mid-push cannot win
 * a race either, since every push carries a lease on the refs it moves, and `fn` is told (`lockLost`) so it can
 * stop and hand its job back.
 */
export async function holdRepo<T>(
  ctx: Pick<JobContext, 'redis' | 'prefix' | 'lockDurationMs'>,
  repo: string,
  fn: (lockLost: AbortSignal) => Promise<T>,
): Promise<{ held: true; value: T } | { held: false }> {
  const lock = await acquireRepoLock(ctx.redis, ctx.prefix, repo.toLowerCase(), ctx.lockDurationMs);
  if (lock === undefined) return { held: false };
  try {
    return { held: true, value: await fn(lock.lost) };
  } finally {
    await lock.release().catch(() => undefined);
  }
}
