import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubClient } from '../../src/github/create-github-client.ts';
import { ListingCache, listSourceRepos } from '../../src/github/list-source-repos.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { commitOnGithub } from '../helpers/mirror-checks.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const ORG = 'paged';

describe('the org listing with conditional requests (ETags)', { timeout: 120_000 }, () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    const work = await tempDir('gh2cc-etag-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    // Three pages of 100: r000 … r249, sorted by name as GitHub lists them.
    const names = Array.from({ length: 250 }, (_, i) => `r${String(i).padStart(3, '0')}`);
    await seedOrg(
      sandbox.githubDir,
      ORG,
      names.map((name) => ({ name, commits: name === 'r150' ? 1 : 0 })),
    );
  });

  afterAll(async () => {
    await sandbox.close();
  });

  /** GitHub's own count of the token's requests this hour (`GET /rate_limit` is not counted itself). */
  async function used(): Promise<number> {
    const res = await fetch(`${sandbox.info.github.apiUrl}/rate_limit`, {
      headers: { authorization: `token ${sandbox.info.github.token}` },
    });
    return ((await res.json()) as { resources: { core: { used: number } } }).resources.core.used;
  }

  it('answers unchanged pages from the cache (304, not counted), and fetches only the page that changed', async () => {
    const lines: string[] = [];
    const client = createGithubClient({
      apiUrl: sandbox.info.github.apiUrl,
      token: sandbox.info.github.token,
      log: createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } }),
    });
    const cache = new ListingCache();
    const before = await used();
    const first = await listSourceRepos(client, { org: ORG }, undefined, cache);
    expect(first.map((r) => r.name)).toHaveLength(250);
    expect(cache.last).toEqual({ notModified: 0, fetched: 3 });
    expect((await used()) - before).toBe(3);

    const second = await listSourceRepos(client, { org: ORG }, undefined, cache);
    expect(second).toEqual(first);
    expect(cache.last).toEqual({ notModified: 3, fetched: 0 });
    // GitHub does not count a request answered 304 against the rate limit.
    expect((await used()) - before).toBe(3);

    // A push to r150 changes its pushed_at: page 2 changes, pages 1 and 3 do not.
    const pushedBefore = first.find((r) => r.name === 'r150')?.pushedAt;
    await new Promise((r) => setTimeout(r, 1100));
    await commitOnGithub(sandbox.githubDir, ORG, 'r150', 'a change');
    const third = await listSourceRepos(client, { org: ORG }, undefined, cache);
    expect(cache.last).toEqual({ notModified: 2, fetched: 1 });
    expect((await used()) - before).toBe(4);
    const pushedAfter = third.find((r) => r.name === 'r150')?.pushedAt;
    expect(pushedAfter).not.toBe(pushedBefore);
    expect(third.map((r) => r.name)).toEqual(first.map((r) => r.name));

    // A 304 is the cache working: nothing in the log says otherwise.
    expect(lines.filter((l) => /"level":(40|50)/.test(l))).toEqual([]);

    // Without a cache every page is fetched, as before.
    await listSourceRepos(client, { org: ORG });
    expect((await used()) - before).toBe(7);
  });
});
