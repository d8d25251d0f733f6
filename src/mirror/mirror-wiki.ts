import { wikiTargetName } from '../core/name-mapping.ts';
import type { SourceRepo } from '../core/repo-filter.ts';
import type { RepoResult } from '../core/repo-result.ts';
import { classifyGitError } from '../git/classify-git-error.ts';
import { remoteEnv } from '../git/transport.ts';
import { runGit } from '../git/git-runner.ts';
import { withRetry } from '../util/retry.ts';
import type { SyncDeps, SyncOptions } from './sync-deps.ts';

type Sync = (
  source: SourceRepo,
  target: string,
  deps: SyncDeps,
  options?: SyncOptions,
) => Promise<RepoResult>;

/**
 * The wiki (`<repo>.wiki.git`) goes to a companion repo `<target>.wiki`, by the same steps. GitHub reports
 * has_wiki for most repos whether or not a page exists, so the wiki's git repo is probed first and nothing is
 * created in CodeCommit for a wiki with no pages.
 */
export async function mirrorWiki(
  source: SourceRepo,
  target: string,
  deps: SyncDeps,
  sync: Sync,
): Promise<RepoResult | undefined> {
  const wikiUrl = source.cloneUrl.replace(/\.git$/, '.wiki.git');
  const exists = await withRetry(
    'probe the wiki',
    async () => {
      const probe = await runGit(deps.cacheDir, ['ls-remote', '--heads', wikiUrl], {
        env: remoteEnv(wikiUrl, await deps.githubAuth(), deps.gitNetwork),
        signal: deps.signal,
        check: false,
      });
      if (probe.code === 0) return true;
      const err = classifyGitError(probe.stderr, 'probe the wiki');
      if (err.code === 'not-found') return false;
      throw err;
    },
    {
      log: deps.log,
      ...(deps.retry === undefined ? {} : { policy: deps.retry }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    },
  );
  if (!exists) return undefined;
  const wikiSource: SourceRepo = {
    ...source,
    name: `${source.name}.wiki`,
    fullName: `${source.fullName}.wiki`,
    description: `Wiki of ${source.fullName}`,
    cloneUrl: wikiUrl,
    htmlUrl: `${source.htmlUrl}/wiki`,
    defaultBranch: 'master',
    hasWiki: false,
  };
  return sync(wikiSource, wikiTargetName(target), { ...deps, wikis: false });
}
