import type { SourceRepo } from '../core/repo-filter.ts';
import type { GithubClient } from './create-github-client.ts';
import { classifyGithubError } from './classify-github-error.ts';
import { toSourceRepo } from './list-source-repos.ts';

/** One repository's current metadata (workers re-read it: job data carries only its name). */
export async function getSourceRepo(client: GithubClient, owner: string, repo: string): Promise<SourceRepo> {
  try {
    const { data } = await client.rest.repos.get({ owner, repo });
    return toSourceRepo(data);
  } catch (err) {
    throw classifyGithubError(err, `repository ${owner}/${repo}`);
  }
}
