import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface CacheEntry {
  readonly dir: string;
  readonly bytes: number;
  /** Last sync (the entry's HEAD is touched on every fetch). */
  readonly usedAt: number;
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(path);
    else if (entry.isFile())
      total += await stat(path).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}

/** Every cache entry (`<cache>/<owner>/<repo>.git`) with its size on disk and when it was last used. */
export async function listCacheEntries(cacheDir: string): Promise<CacheEntry[]> {
  const entries: CacheEntry[] = [];
  for (const owner of await readdir(cacheDir, { withFileTypes: true }).catch(() => [])) {
    if (!owner.isDirectory() || owner.name.startsWith('.')) continue;
    for (const repo of await readdir(join(cacheDir, owner.name), { withFileTypes: true }).catch(() => [])) {
      if (!repo.isDirectory() || !repo.name.endsWith('.git')) continue;
      const dir = join(cacheDir, owner.name, repo.name);
      const head = await stat(join(dir, 'HEAD')).catch(() => undefined);
      if (head === undefined) continue;
      entries.push({ dir, bytes: await treeBytes(dir), usedAt: head.mtimeMs });
    }
  }
  return entries;
}

/**
 * Keeps the mirror cache under `maxBytes` by removing the least recently synced entries first (their
 * staging repos too). An entry some gh2cc process on this host holds (its lock file exists) is never
 * removed. The cache is a speed-up, never the source of truth: an evicted repository's next sync fetches it
 * whole again. Returns what was removed.
 */
export async function evictCache(cacheDir: string, maxBytes: number): Promise<CacheEntry[]> {
  const entries = await listCacheEntries(cacheDir);
  let total = entries.reduce((sum, e) => sum + e.bytes, 0);
  const removed: CacheEntry[] = [];
  for (const entry of [...entries].sort((a, b) => a.usedAt - b.usedAt)) {
    if (total <= maxBytes) break;
    const [owner = '', repo = ''] = entry.dir.slice(cacheDir.length + 1).split('/');
    const held = await stat(join(cacheDir, '.locks', owner, `${repo}.lock`)).then(
      () => true,
      () => false,
    );
    if (held) continue;
    await rm(entry.dir, { recursive: true, force: true });
    await rm(join(cacheDir, '.staging', owner, repo), { recursive: true, force: true });
    total -= entry.bytes;
    removed.push(entry);
  }
  return removed;
}
