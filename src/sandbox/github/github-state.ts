import { accountOf, SANDBOX_ADMIN_LOGIN, type Account } from './account.ts';
import { notFound } from './api-error.ts';
import { readCreatedAt, readHeadBranch, readLastRefChange, readSizeKib } from './bare-repo-reader.ts';
import { mapLimit } from './map-limit.ts';
import {
  listOwners,
  loadOwner,
  type OwnerMetadataCache,
  type OwnerState,
  type RepoOnDisk,
} from './owner-store.ts';
import type { RepoFacts, RepoView } from './repo-json.ts';
import { stableId } from './stable-id.ts';
import type { AccountProfile } from './user-json.ts';

/** Where the GitHub sandbox keeps its state, and the parse cache shared by all requests of one server. */
export interface StateSource {
  readonly dir: string;
  readonly cache: OwnerMetadataCache;
}

/** Git processes per page are bounded so one big listing cannot fork hundreds at once. */
const GIT_CONCURRENCY = 16;

/** When HEAD is detached there is no branch to call default; fall back to GitHub's own default name. */
const FALLBACK_BRANCH = 'main';

export function ownerAccount(owner: OwnerState): Account {
  return accountOf(owner.login, owner.metadata.type, owner.metadata.id ?? stableId('user', owner.login));
}

export function ownerProfile(owner: OwnerState): AccountProfile {
  const meta = owner.metadata;
  const createdAt = meta.created_at === undefined ? owner.firstSeenAt : new Date(meta.created_at);
  const changed = owner.metadataChangedAt ?? createdAt;
  return {
    name: meta.name,
    description: meta.description,
    createdAt,
    updatedAt: changed > createdAt ? changed : createdAt,
    publicRepos: owner.repos.filter((r) => r.metadata.visibility === 'public').length,
    privateRepos: owner.repos.filter((r) => r.metadata.visibility !== 'public').length,
  };
}

export async function requireOwner(state: StateSource, login: string): Promise<OwnerState> {
  const owner = await loadOwner(state.dir, login, state.cache);
  if (owner === null) throw notFound();
  return owner;
}

export async function requireOrg(state: StateSource, login: string): Promise<OwnerState> {
  const owner = await requireOwner(state, login);
  if (owner.metadata.type !== 'Organization') throw notFound();
  return owner;
}

export function findRepo(owner: OwnerState, name: string): RepoOnDisk | undefined {
  const exact = owner.repos.find((r) => r.name === name);
  if (exact !== undefined) return exact;
  const key = name.toLowerCase();
  return owner.repos.find((r) => r.name.toLowerCase() === key);
}

export async function requireRepo(
  state: StateSource,
  ownerLogin: string,
  repoName: string,
): Promise<{ owner: OwnerState; repo: RepoOnDisk }> {
  const owner = await requireOwner(state, ownerLogin);
  const repo = findRepo(owner, repoName);
  if (repo === undefined) throw notFound();
  return { owner, repo };
}

export type RepoTimes = Pick<RepoFacts, 'createdAt' | 'pushedAt' | 'updatedAt'>;

function latest(...dates: readonly Date[]): Date {
  return dates.reduce((a, b) => (b > a ? b : a));
}

/** Timestamps from the filesystem only (no git process), cheap enough to sort a whole organization by. */
export async function repoTimes(owner: OwnerState, repo: RepoOnDisk): Promise<RepoTimes> {
  const [createdAt, refsChangedAt] = await Promise.all([
    repo.metadata.created_at === undefined ? readCreatedAt(repo.gitDir) : new Date(repo.metadata.created_at),
    readLastRefChange(repo.gitDir),
  ]);
  const pushedAt = latest(createdAt, refsChangedAt);
  return { createdAt, pushedAt, updatedAt: latest(pushedAt, owner.metadataChangedAt ?? pushedAt) };
}

export async function repoFacts(owner: OwnerState, repo: RepoOnDisk, times?: RepoTimes): Promise<RepoFacts> {
  const [defaultBranch, sizeKib, resolvedTimes] = await Promise.all([
    repo.metadata.default_branch ?? readHeadBranch(repo.gitDir),
    readSizeKib(repo.gitDir),
    times ?? repoTimes(owner, repo),
  ]);
  return { ...resolvedTimes, defaultBranch: defaultBranch ?? FALLBACK_BRANCH, sizeKib };
}

export async function repoViews(
  owner: OwnerState,
  repos: readonly RepoOnDisk[],
  times?: ReadonlyMap<RepoOnDisk, RepoTimes>,
): Promise<RepoView[]> {
  const account = ownerAccount(owner);
  return mapLimit(repos, GIT_CONCURRENCY, async (repo) => ({
    owner: account,
    repo,
    facts: await repoFacts(owner, repo, times?.get(repo)),
  }));
}

export type RepoSort = 'created' | 'updated' | 'pushed' | 'full_name';

/** Sorts like GitHub's repository lists; ties (and `full_name`) fall back to the name. */
export async function sortRepos(
  owner: OwnerState,
  repos: readonly RepoOnDisk[],
  sort: RepoSort,
  direction: 'asc' | 'desc',
): Promise<{ sorted: RepoOnDisk[]; times: Map<RepoOnDisk, RepoTimes> }> {
  const times = new Map<RepoOnDisk, RepoTimes>();
  if (sort !== 'full_name') {
    const all = await mapLimit(repos, 64, (repo) => repoTimes(owner, repo));
    repos.forEach((repo, i) => {
      const t = all[i];
      if (t !== undefined) times.set(repo, t);
    });
  }
  const key = (repo: RepoOnDisk): number => {
    const t = times.get(repo);
    if (t === undefined) return 0;
    if (sort === 'created') return t.createdAt.getTime();
    if (sort === 'pushed') return t.pushedAt.getTime();
    return t.updatedAt.getTime();
  };
  const byName = (a: RepoOnDisk, b: RepoOnDisk): number =>
    a.name.toLowerCase().localeCompare(b.name.toLowerCase());
  const sign = direction === 'asc' ? 1 : -1;
  const sorted = [...repos].sort((a, b) => sign * (key(a) - key(b) || byName(a, b)));
  return { sorted, times };
}

export interface FoundAccount {
  readonly account: Account;
  readonly profile: AccountProfile;
  readonly owner: OwnerState | null;
}

/** The sandbox has no user accounts of its own: they exist by being an owner or appearing in some YAML. */
const MEMBER_PROFILE: Omit<AccountProfile, 'createdAt' | 'updatedAt'> = {
  name: null,
  description: null,
  publicRepos: 0,
  privateRepos: 0,
};
const EPOCH = new Date('2020-01-01T00:00:00Z');

export function adminAccount(): FoundAccount {
  return {
    account: accountOf(SANDBOX_ADMIN_LOGIN, 'User'),
    profile: { ...MEMBER_PROFILE, name: 'Sandbox administrator', createdAt: EPOCH, updatedAt: EPOCH },
    owner: null,
  };
}

/** An owner (user or organization), a member named in any organization's YAML, or the admin; else null. */
export async function findAccount(state: StateSource, login: string): Promise<FoundAccount | null> {
  const owner = await loadOwner(state.dir, login, state.cache);
  if (owner !== null) return { account: ownerAccount(owner), profile: ownerProfile(owner), owner };
  const key = login.toLowerCase();
  if (key === SANDBOX_ADMIN_LOGIN) return adminAccount();
  for (const name of await listOwners(state.dir)) {
    const org = await loadOwner(state.dir, name, state.cache);
    const meta = org?.metadata;
    if (meta === undefined) continue;
    const logins = [...meta.members, ...meta.teams.flatMap((t) => t.members)].map((m) => m.login);
    const spelt = logins.find((l) => l.toLowerCase() === key);
    if (spelt !== undefined) {
      return {
        account: accountOf(spelt, 'User'),
        profile: { ...MEMBER_PROFILE, createdAt: EPOCH, updatedAt: EPOCH },
        owner: null,
      };
    }
  }
  return null;
}
