import type { CodeCommitClient } from '@aws-sdk/client-codecommit';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { existingRepositories, ownership } from '../codecommit/ensure-repository.ts';
import type { Config } from '../config/schema.ts';
import { filterFromConfig } from '../config/filter-from-config.ts';
import { findCollisions, mapName, sourceNameProblem, wikiTargetName } from '../core/name-mapping.ts';
import { filterRepos, type SourceRepo } from '../core/repo-filter.ts';
import type { GithubClient } from '../github/create-github-client.ts';
import { listSourceRepos } from '../github/list-source-repos.ts';

export type PlannedAction = 'create' | 'adopt' | 'update';

export interface PlannedRepo {
  readonly source: SourceRepo;
  readonly target: string;
  readonly action: PlannedAction;
  readonly notes: readonly string[];
}

export interface MigrationPlan {
  readonly owner: string;
  readonly repos: readonly PlannedRepo[];
  readonly skipped: readonly { readonly repo: string; readonly reason: string }[];
  /** Problems that stop the run before any change (collisions, invalid renames, foreign repos). */
  readonly errors: readonly string[];
}

/**
 * Inventory, filters and names, checked against CodeCommit before anything changes: two sources mapped to
 * one name, an invalid explicit rename, or an existing repository gh2cc may not adopt are all plan errors.
 */
export async function planMigration(
  deps: { readonly github: GithubClient; readonly codecommit: CodeCommitClient; readonly log: Logger },
  config: Config,
  owner: { readonly org: string } | { readonly user: string },
  /** Ctrl-C: the requests in flight are cancelled and planning rejects. */
  signal?: AbortSignal,
): Promise<MigrationPlan> {
  const ownerName = 'org' in owner ? owner.org : owner.user;
  const all = await listSourceRepos(deps.github, owner, signal);
  deps.log.info({ owner: ownerName, repositories: all.length }, 'inventory done');
  const { kept, skipped } = filterRepos(all, filterFromConfig(config));
  const mapped = kept.map((repo) => ({ repo, name: mapName(repo.owner, repo.name, config.migrate.naming) }));
  const errors: string[] = [];
  for (const { repo } of mapped) {
    // These names become paths in the mirror cache: one GitHub would never return is refused outright.
    const problem = sourceNameProblem(repo.owner, repo.name);
    if (problem !== undefined)
      errors.push(
        `${JSON.stringify(repo.fullName)}: the GitHub API returned a name that is not a valid repository name (${problem}); check GITHUB_API_URL points at GitHub, or exclude it with migrate.exclude`,
      );
  }
  for (const { name } of mapped) if (name.error !== undefined) errors.push(`${name.source}: ${name.error}`);
  // Every name gh2cc will create, in its final form (cut, hashed, suffixed), checked against all the others.
  const finalNames = mapped.flatMap((m) => [
    { source: m.repo.name, target: m.name.target, notes: [] },
    ...(config.migrate.wikis && m.repo.hasWiki
      ? [{ source: `${m.repo.name} (its wiki)`, target: wikiTargetName(m.name.target), notes: [] }]
      : []),
  ]);
  for (const c of findCollisions(finalNames)) {
    errors.push(
      `name collision: ${c.sources.join(', ')} would all become CodeCommit repository "${c.target}"; add migrate.naming.renames for all but one`,
    );
  }
  const limit = pLimit(8);
  // One call per 100 names tells which targets exist; only those need the closer (per-repo) look.
  const existing = await existingRepositories(
    deps.codecommit,
    mapped.filter((m) => m.name.error === undefined).map((m) => m.name.target),
    signal,
  );
  const repos = await Promise.all(
    mapped.map(({ repo, name }) =>
      limit(async (): Promise<PlannedRepo> => {
        const state = existing.has(name.target)
          ? await ownership(deps.codecommit, name.target, repo, signal)
          : 'absent';
        if (state === 'foreign') {
          errors.push(
            `${repo.name}: CodeCommit repository "${name.target}" already exists with content and was not created by gh2cc for ${repo.fullName}; rename the target (migrate.naming.renames) or remove that repository`,
          );
        }
        const action: PlannedAction = state === 'absent' ? 'create' : state === 'ours' ? 'update' : 'adopt';
        return { source: repo, target: name.target, action, notes: name.notes };
      }),
    ),
  );
  return {
    owner: ownerName,
    repos,
    skipped: skipped.map((s) => ({ repo: s.repo.fullName, reason: s.reason })),
    errors,
  };
}
