import { readdir, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import type { SourceRepo } from '../../src/core/repo-filter.ts';
import { evictCache, listCacheEntries } from '../../src/git/cache-eviction.ts';
import { getSourceRepo } from '../../src/github/get-source-repo.ts';
import { createMirrorContext, syncDepsFor, type MirrorContext } from '../../src/mirror/mirror-context.ts';
import { syncRepo } from '../../src/mirror/sync-repo.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { bothSides, sameRefs } from '../helpers/mirror-checks.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const ORG = 'corg';

describe('the mirror cache: a speed-up, never the source of truth', () => {
  let sandbox: RunningSandbox;
  let ctx: MirrorContext;
  let cacheDir: string;

  async function sync(name: string): Promise<Awaited<ReturnType<typeof syncRepo>>> {
    const source: SourceRepo = await getSourceRepo(ctx.github, ORG, name);
    return syncRepo(source, name, syncDepsFor(ctx, { verify: 'refs', wikis: false }), { ensure: 'always' });
  }

  beforeAll(async () => {
    sandbox = await startSandbox({
      dir: await tempDir('gh2cc-cache-sb-'),
      log: createLogger({ level: 'silent' }),
    });
    await seedOrg(sandbox.githubDir, ORG, [
      { name: 'one', commits: 40, tags: 2, blobBytes: 3000 },
      { name: 'two', commits: 40, blobBytes: 3000 },
      { name: 'three', commits: 40, blobBytes: 3000 },
    ]);
    const env = sandbox.info.env;
    vi.stubEnv('AWS_ACCESS_KEY_ID', env['AWS_ACCESS_KEY_ID']);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', env['AWS_SECRET_ACCESS_KEY']);
    vi.stubEnv('AWS_CONFIG_FILE', '/dev/null');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/dev/null');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    cacheDir = await tempDir('gh2cc-cache-');
    ctx = createMirrorContext(
      loadConfig({ env: { ...env, GH2CC_CACHE_DIR: cacheDir, GH2CC_RETRIES: '0' } }),
      createLogger({ level: 'silent' }),
    );
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await sandbox.close();
  });

  it('rebuilds an entry that fails git fsck instead of trusting it, and still verifies the repository', async () => {
    expect((await sync('one')).status).toBe('migrated');
    const entry = join(cacheDir, ORG, 'one.git');
    const packs = (await readdir(join(entry, 'objects', 'pack'))).filter((n) => n.endsWith('.pack'));
    for (const p of packs) await truncate(join(entry, 'objects', 'pack', p), 200);
    // Make the entry due for its periodic check.
    await writeFile(join(entry, 'gh2cc-checked'), '');
    await utimes(join(entry, 'gh2cc-checked'), new Date(0), new Date(0));
    const again = await sync('one');
    expect(again.errors).toEqual([]);
    expect(again.warnings).toContain('the mirror cache entry failed git fsck and was rebuilt from GitHub');
    expect(again.verified).toBe(true);
    const sides = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'one', 'one');
    expect(sameRefs(sides.github, sides.codecommit)).toBe(true);
  });

  it('evicts the least recently synced entries above the size cap, never one in use', async () => {
    for (const n of ['two', 'three']) expect((await sync(n)).status).toBe('migrated');
    const entries = await listCacheEntries(cacheDir);
    expect(entries.map((e) => e.dir.split('/').pop()).sort()).toEqual(['one.git', 'three.git', 'two.git']);
    const byName = new Map(entries.map((e) => [e.dir.split('/').pop() ?? '', e]));
    // Ages: one oldest, then two, then three.
    await utimes(join(cacheDir, ORG, 'one.git', 'HEAD'), new Date(1000), new Date(1000));
    await utimes(join(cacheDir, ORG, 'two.git', 'HEAD'), new Date(2000), new Date(2000));
    // "one" is held by a (pretend) running sync on this host: it stays although it is the oldest.
    await writeFile(join(cacheDir, '.locks', ORG, 'one.git.lock'), JSON.stringify({ pid: process.pid }));
    const cap = (byName.get('one.git')?.bytes ?? 0) + (byName.get('three.git')?.bytes ?? 0) + 1;
    const removed = await evictCache(cacheDir, cap);
    expect(removed.map((e) => e.dir.split('/').pop())).toEqual(['two.git']);
    expect((await listCacheEntries(cacheDir)).map((e) => e.dir.split('/').pop()).sort()).toEqual([
      'one.git',
      'three.git',
    ]);
    // An evicted repository syncs again from nothing, and stays equal.
    const back = await sync('two');
    expect(back.errors).toEqual([]);
    expect(back.verified).toBe(true);
  });
});
