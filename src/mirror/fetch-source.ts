import { fetchInto } from '../git/transport.ts';
import type { RepoSession } from './repo-session.ts';

/** How often a cache entry's objects are checked with `git fsck` before they are trusted. */
export const CHECK_EVERY_MS = 24 * 3600 * 1000;

/**
 * Step 2: GitHub's branches and tags into the cache entry (never refs/pull/*), pruning deletions. Returns
 * the mirrored refs and what the mirror last recorded as pushed.
 */
export async function fetchSource(
  s: RepoSession,
): Promise<{ local: Map<string, string>; pushed: Map<string, string>; rebuilt: boolean }> {
  let rebuilt = false;
  if ((await s.store.exists()) && (await s.store.dueForCheck(CHECK_EVERY_MS)) && !(await s.store.isSound())) {
    // A corrupt entry could hide objects or refs; it is thrown away and fetched whole again.
    s.log.warn({ dir: s.store.dir }, 'mirror cache entry failed git fsck; rebuilding it');
    await s.store.rebuild();
    rebuilt = true;
  }
  await s.store.ensure();
  await s.retry('fetch from GitHub', async () =>
    fetchInto(s.store, s.source.cloneUrl, await s.deps.githubAuth(), s.deps.signal),
  );
  await s.store.touch();
  s.progress('fetch');
  const { local, pushed } = await s.localAndRecord();
  return { local, pushed, rebuilt };
}
