import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { readRefFiles } from '../../src/git/ref-files.ts';
import { getSourceRepo } from '../../src/github/get-source-repo.ts';
import { createMirrorContext, syncDepsFor, type MirrorContext } from '../../src/mirror/mirror-context.ts';
import { syncRepo } from '../../src/mirror/sync-repo.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { bothSides, sameRefs } from '../helpers/mirror-checks.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const sandbox = inject('sandbox');
const githubDir = join(inject('sandboxDir'), 'github');
const ORG = `tagorg-${randomUUID().slice(0, 6)}`;

describe('a tag deleted (or moved) on GitHub', () => {
  let ctx: MirrorContext;
  let cacheDir: string;
  const bare = join(githubDir, ORG, 'app.git');

  /** What the mirror recorded as its own on CodeCommit, kept in the cache entry (ref → sha). */
  async function record(): Promise<Map<string, string>> {
    const refs =
      (await readRefFiles(join(cacheDir, ORG, 'app.git'), ['refs/gh2cc/pushed/'])) ??
      new Map<string, string>();
    return new Map([...refs].map(([ref, sha]) => [`refs/${ref.slice('refs/gh2cc/pushed/'.length)}`, sha]));
  }

  async function sync(): Promise<Awaited<ReturnType<typeof syncRepo>>> {
    const source = await getSourceRepo(ctx.github, ORG, 'app');
    return syncRepo(source, `${ORG}-app`, syncDepsFor(ctx, { verify: 'refs', wikis: false }), {
      ensure: 'always',
    });
  }

  const rev = async (what: string): Promise<string> =>
    (await runGit(bare, ['rev-parse', what])).stdout.trim();

  beforeAll(async () => {
    await seedOrg(githubDir, ORG, [{ name: 'app', commits: 6 }]);
    const env = sandbox.env;
    vi.stubEnv('AWS_ACCESS_KEY_ID', env['AWS_ACCESS_KEY_ID']);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', env['AWS_SECRET_ACCESS_KEY']);
    vi.stubEnv('AWS_CONFIG_FILE', '/dev/null');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/dev/null');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    cacheDir = await tempDir('gh2cc-tag-backup-');
    ctx = createMirrorContext(
      loadConfig({
        env: { ...env, GH2CC_CACHE_DIR: cacheDir, GH2CC_RETRIES: '0' },
      }),
      createLogger({ level: 'silent' }),
    );
  });

  afterAll(() => vi.unstubAllEnvs());

  it('keeps an annotated tag’s commit under a backup branch and mirrors the deletion and the move', async () => {
    const tagger = ['-c', 'user.name=Rel Eng', '-c', 'user.email=rel@example.com'];
    await runGit(bare, [...tagger, 'tag', '-a', 'v1', '-m', 'release 1', 'refs/heads/main~2']);
    await runGit(bare, [...tagger, 'tag', '-a', 'v2', '-m', 'release 2', 'refs/heads/main~1']);
    expect((await sync()).status).toBe('migrated');
    const first = await bothSides(sandbox, githubDir, ORG, 'app', `${ORG}-app`);
    expect([...(await record())].sort()).toEqual([...(first.github ?? [])].sort());
    const tagObject = await rev('refs/tags/v1');
    const tagCommit = await rev('refs/tags/v1^{commit}');
    const movedFrom = await rev('refs/tags/v2^{commit}');
    expect(tagObject).not.toBe(tagCommit);

    // v1 deleted on GitHub; v2 moved back to an older commit (a force-pushed tag, not a fast-forward).
    await runGit(bare, ['update-ref', '-d', 'refs/tags/v1']);
    await runGit(bare, [...tagger, 'tag', '-f', '-a', 'v2', '-m', 'release 2, again', 'refs/heads/main~4']);
    const result = await sync();
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    const sides = await bothSides(sandbox, githubDir, ORG, 'app', `${ORG}-app`);
    expect(sameRefs(sides.github, sides.codecommit)).toBe(true);
    expect(sides.codecommit?.has('refs/tags/v1')).toBe(false);
    // A branch cannot hold a tag object: the backups hold the commits the tags pointed at.
    const backups = [...sides.backups];
    expect(backups.find(([r]) => r.endsWith('/tags/v1'))?.[1]).toBe(tagCommit);
    expect(backups.find(([r]) => r.endsWith('/tags/v2'))?.[1]).toBe(movedFrom);
    expect(result.backups?.map((b) => [b.ref, b.reason]).sort()).toEqual([
      ['refs/tags/v1', 'deleted'],
      ['refs/tags/v2', 'force-pushed'],
    ]);
    // The record holds what the mirror put on CodeCommit for GitHub's refs: v1 forgotten, v2's new value, and
    // never a backup branch (the mirror would otherwise take them for its own and delete them).
    expect([...(await record())].sort()).toEqual([...(sides.github ?? [])].sort());
  });
});
