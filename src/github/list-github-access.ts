import pLimit from 'p-limit';
import { accessLevelFromGithub } from '../core/access-level-from-github.ts';
import type { GithubAccess, ProtectedBranch, RepoAccess, TeamAccess } from '../core/github-access.ts';
import { Gh2ccError } from '../util/errors.ts';
import { classifyGithubError } from './classify-github-error.ts';
import type { GithubClient } from './create-github-client.ts';

export interface ListGithubAccessOptions {
  /** Names of the repositories whose branch protection is read; every repository of the org when absent. */
  readonly repos?: readonly string[];
  /** Cancels the requests in flight (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Requests (or paginated listings) in flight at once; default 8. */
  readonly concurrency?: number;
}

type BranchProtection = Awaited<ReturnType<GithubClient['rest']['repos']['getBranchProtection']>>['data'];

/** What every reader below needs: the client, the org, and a bounded, classifying way to make a request. */
interface Reader {
  readonly client: GithubClient;
  readonly org: string;
  readonly signal: AbortSignal | undefined;
  /** Runs `call` within the concurrency limit; a failure becomes a Gh2ccError naming `what`. */
  read<T>(what: string, call: () => Promise<T>): Promise<T>;
}

const PROTECTION_FIX =
  'read access rules with the token of an organization owner or repository admin (a GitHub App needs the Administration read permission)';

/**
 * The paginator passes only method, URL and headers on to each page's request, so the signal goes into the
 * endpoint's own defaults. `defaults` returns the same endpoint with the same answers; only its type is lost.
 */
function withSignal<M extends { defaults: (options: { request: { signal: AbortSignal } }) => unknown }>(
  method: M,
  signal: AbortSignal | undefined,
): M {
  return signal === undefined ? method : (method.defaults({ request: { signal } }) as M);
}

/** Case-insensitive first, so the order does not depend on how GitHub happens to spell a login. */
function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedText(values: Iterable<string>): string[] {
  return [...values].sort(compareText);
}

async function readTeams(r: Reader): Promise<TeamAccess[]> {
  const { client, org, signal } = r;
  const teams = await r.read(`teams of organization ${org}`, () =>
    client.paginate(withSignal(client.rest.teams.list, signal), { org, per_page: 100 }),
  );
  const listed = await Promise.all(
    teams.map(async (team) => {
      const [repos, members] = await Promise.all([
        r.read(`repositories of team ${org}/${team.slug}`, () =>
          client.paginate(
            withSignal(client.rest.teams.listReposInOrg, signal),
            { org, team_slug: team.slug, per_page: 100 },
            (response) => response.data.map((repo) => [repo.name, accessLevelFromGithub(repo)] as const),
          ),
        ),
        r.read(`members of team ${org}/${team.slug}`, () =>
          client.paginate(
            withSignal(client.rest.teams.listMembersInOrg, signal),
            { org, team_slug: team.slug, per_page: 100 },
            (response) => response.data.map((member) => member.login),
          ),
        ),
      ]);
      return { team, parent: team.parent?.slug ?? null, repos, members };
    }),
  );
  return listed
    .map(({ team, parent, repos, members }): TeamAccess => {
      // GitHub lists a team's members with those of every descendant team, and a child team's list holds its
      // own descendants': taking away the children's lists leaves the team's own members.
      const viaChildren = new Set(
        listed
          .filter((child) => child.parent === team.slug)
          .flatMap((child) => child.members.map((login) => login.toLowerCase())),
      );
      return {
        slug: team.slug,
        name: team.name,
        parent,
        members: sortedText(members.filter((login) => !viaChildren.has(login.toLowerCase()))),
        repos: Object.fromEntries(repos.sort(([a], [b]) => compareText(a, b))),
      };
    })
    .sort((a, b) => compareText(a.slug, b.slug));
}

async function readOwners(r: Reader): Promise<string[]> {
  const { client, org, signal } = r;
  const owners = await r.read(`owners of organization ${org}`, () =>
    client.paginate(
      withSignal(client.rest.orgs.listMembers, signal),
      { org, role: 'admin', per_page: 100 },
      (response) => response.data.map((member) => member.login),
    ),
  );
  return sortedText(owners);
}

async function readRepoNames(r: Reader, repos: readonly string[] | undefined): Promise<string[]> {
  const { client, org, signal } = r;
  if (repos !== undefined) return [...new Set(repos)];
  return r.read(`repositories of organization ${org}`, () =>
    client.paginate(
      withSignal(client.rest.repos.listForOrg, signal),
      { org, type: 'all', per_page: 100 },
      // Only the names: the full objects of a 10,000-repository org would hold tens of megabytes at once.
      (response) => response.data.map((repo) => repo.name),
    ),
  );
}

function toProtectedBranch(branch: string, p: BranchProtection): ProtectedBranch {
  const reviews = p.required_pull_request_reviews;
  const restrictions = p.restrictions;
  return {
    branch,
    requiredReviews: reviews !== undefined,
    requiredApprovals: reviews?.required_approving_review_count ?? 0,
    enforceAdmins: p.enforce_admins?.enabled ?? false,
    lockBranch: p.lock_branch?.enabled ?? false,
    allowDeletions: p.allow_deletions?.enabled ?? false,
    allowForcePushes: p.allow_force_pushes?.enabled ?? false,
    restrictions:
      restrictions === undefined
        ? null
        : {
            users: sortedText(
              restrictions.users.flatMap((user) => (user.login === undefined ? [] : [user.login])),
            ),
            teams: sortedText(restrictions.teams.map((team) => team.slug)),
          },
  };
}

function httpStatus(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number'
    ? err.status
    : undefined;
}

/** Whether GitHub still calls the branch protected (false once it or its protection is gone). */
async function stillProtected(r: Reader, repo: string, branch: string): Promise<boolean> {
  const { client, org, signal } = r;
  try {
    const { data } = await r.read(`branch ${branch} of ${org}/${repo}`, () =>
      client.rest.repos.getBranch({
        owner: org,
        repo,
        branch,
        ...(signal === undefined ? {} : { request: { signal } }),
      }),
    );
    return data.protected;
  } catch (err) {
    if (err instanceof Gh2ccError && err.code === 'not-found') return false;
    throw err;
  }
}

/** A listed branch's protection; null when the branch lost it (or was deleted) since it was listed. */
async function readProtection(r: Reader, repo: string, branch: string): Promise<ProtectedBranch | null> {
  const { client, org, signal } = r;
  const what = `protection of branch ${branch} in ${org}/${repo}`;
  try {
    const { data } = await r.read(what, () =>
      client.rest.repos.getBranchProtection({
        owner: org,
        repo,
        branch,
        ...(signal === undefined ? {} : { request: { signal } }),
      }),
    );
    return toProtectedBranch(branch, data);
  } catch (err) {
    if (!(err instanceof Gh2ccError)) throw err;
    // Not a rate limit (also a 403) or a refused token (401): reading protection takes admin on the repository.
    const denied = err.code === 'auth' && httpStatus(err.cause) === 403;
    if (!denied && err.code !== 'not-found') throw err;
    // GitHub answers 404 both for a branch that is no longer protected and to a token that may not read
    // protection. Skipping the second would make a protected branch look open, so a 404 is believed only
    // when the branch itself (readable with read access) agrees.
    if (!denied && !(await stillProtected(r, repo, branch))) return null;
    throw new Gh2ccError('auth', `GitHub would not show the ${what} (${denied ? 403 : 404})`, {
      cause: err,
      retryable: false,
      fix: PROTECTION_FIX,
    });
  }
}

async function readRepo(r: Reader, repo: string): Promise<RepoAccess> {
  const { client, org, signal } = r;
  let branches: string[];
  try {
    branches = await r.read(`protected branches of ${org}/${repo}`, () =>
      client.paginate(
        withSignal(client.rest.repos.listBranches, signal),
        { owner: org, repo, protected: true, per_page: 100 },
        (response) => response.data.map((branch) => branch.name),
      ),
    );
  } catch (err) {
    // Deleted (or hidden from the token) since it was listed: no branch of it is protected any more.
    if (err instanceof Gh2ccError && err.code === 'not-found') branches = [];
    else throw err;
  }
  const protections = await Promise.all(branches.map((branch) => readProtection(r, repo, branch)));
  return {
    name: repo,
    protectedBranches: protections
      .filter((p): p is ProtectedBranch => p !== null)
      .sort((a, b) => compareText(a.branch, b.branch)),
  };
}

/**
 * Reads who can do what in a GitHub organization, for the IAM mapping: its teams (parent, repositories with
 * their level, own members), its owners, and the protected branches of its repositories (or of `repos`).
 */
export async function listGithubAccess(
  client: GithubClient,
  org: string,
  options: ListGithubAccessOptions = {},
): Promise<GithubAccess> {
  const limit = pLimit(options.concurrency ?? 8);
  let failed = false;
  const reader: Reader = {
    client,
    org,
    signal: options.signal,
    read: (what, call) =>
      limit(async () => {
        // Once the result is a failure, requests still queued would only spend the rate limit.
        if (failed) throw new Gh2ccError('internal', `skipped reading ${what} after an earlier failure`);
        try {
          return await call();
        } catch (err) {
          throw classifyGithubError(err, what);
        }
      }),
  };
  try {
    const [owners, teams, repos] = await Promise.all([
      readOwners(reader),
      readTeams(reader),
      readRepoNames(reader, options.repos).then((names) =>
        Promise.all(names.map((name) => readRepo(reader, name))),
      ),
    ]);
    return { org, owners, teams, repos: repos.sort((a, b) => compareText(a.name, b.name)) };
  } catch (err) {
    failed = true;
    limit.clearQueue();
    throw err;
  }
}
