import type { RepoFilter, SourceRepo } from './repo-filter.ts';
import { sourceFromGithub, type GithubRepository } from './source-from-github.ts';
import { filterRepos } from './repo-filter.ts';

/** A change to a repository itself (not its refs), as a `repository` webhook reports it. */
export type RepoChange =
  | { readonly action: 'created' | 'archived' | 'unarchived' | 'edited'; readonly source: SourceRepo }
  | { readonly action: 'renamed'; readonly from: string; readonly source: SourceRepo }
  /** Gone from this owner (deleted, transferred away, or now outside the filters): mirroring stops. */
  | { readonly action: 'gone'; readonly repo: string; readonly why: string };

/** What one verified delivery asks of gh2cc. */
export type WebhookRoute =
  | { readonly kind: 'ping' }
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'sync'; readonly source: SourceRepo }
  | { readonly kind: 'repository'; readonly change: RepoChange }
  | { readonly kind: 'iam'; readonly event: string };

export interface RoutingContext {
  /** The organization or user gh2cc mirrors. */
  readonly owner: string;
  readonly filter: RepoFilter;
}

/** A delivery's body as far as routing needs it; every field optional, as nothing is trusted to be there. */
export interface WebhookPayload {
  readonly action?: string;
  readonly ref?: string;
  readonly ref_type?: string;
  readonly repository?: GithubRepository;
  readonly changes?: {
    readonly repository?: { readonly name?: { readonly from?: string } };
    readonly owner?: {
      readonly from?: { readonly user?: { login?: string }; organization?: { login?: string } };
    };
    readonly default_branch?: unknown;
  };
}

const IAM_EVENTS = new Set(['team', 'membership', 'member', 'team_add']);
const ORG_MEMBER_ACTIONS = new Set(['member_added', 'member_removed']);

function sameOwner(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Why the filters leave this repository out, or undefined when they keep it. */
function filteredOut(source: SourceRepo, filter: RepoFilter): string | undefined {
  return filterRepos([source], filter).skipped[0]?.reason;
}

/**
 * Turns a verified delivery into what gh2cc should do. `push`/`create`/`delete` of a branch or tag → the
 * repository's sync (which converges every ref, so delivery order never matters); `repository` events → a
 * change to follow (create, rename, archive, edit, gone); team and membership events → an IAM reconcile.
 * Anything else, another owner's repository or one outside the filters is ignored, with the reason.
 */
export function routeWebhook(event: string, payload: WebhookPayload, ctx: RoutingContext): WebhookRoute {
  if (event === 'ping') return { kind: 'ping' };
  if (IAM_EVENTS.has(event)) return { kind: 'iam', event };
  if (event === 'organization') {
    return ORG_MEMBER_ACTIONS.has(payload.action ?? '')
      ? { kind: 'iam', event }
      : { kind: 'ignore', reason: `organization ${payload.action ?? ''} does not change access` };
  }
  if (event !== 'push' && event !== 'create' && event !== 'delete' && event !== 'repository')
    return { kind: 'ignore', reason: `event ${event} is not used by gh2cc` };
  const repo = payload.repository;
  if (repo === undefined || typeof repo.name !== 'string' || typeof repo.full_name !== 'string')
    return { kind: 'ignore', reason: `${event} without a repository` };
  const source = sourceFromGithub(repo);
  if (event === 'repository') return routeRepositoryEvent(payload, source, ctx);
  if (!sameOwner(source.owner, ctx.owner))
    return { kind: 'ignore', reason: `repository of another owner (${source.owner})` };
  if (event === 'push') {
    const ref = payload.ref ?? '';
    if (!ref.startsWith('refs/heads/') && !ref.startsWith('refs/tags/'))
      return { kind: 'ignore', reason: 'ref not mirrored (only branches and tags are)' };
  } else if (payload.ref_type !== 'branch' && payload.ref_type !== 'tag') {
    return { kind: 'ignore', reason: `ref type ${payload.ref_type ?? 'missing'} not mirrored` };
  }
  // It was just pushed to: not empty, whatever size the payload carries (GitHub updates it later).
  const why = filteredOut({ ...source, sizeKb: Math.max(source.sizeKb, 1) }, ctx.filter);
  if (why !== undefined) return { kind: 'ignore', reason: `excluded by the filters (${why})` };
  return { kind: 'sync', source };
}

function routeRepositoryEvent(
  payload: WebhookPayload,
  source: SourceRepo,
  ctx: RoutingContext,
): WebhookRoute {
  const action = payload.action ?? '';
  const ours = sameOwner(source.owner, ctx.owner);
  if (action === 'transferred') {
    const from = payload.changes?.owner?.from;
    const previous = from?.organization?.login ?? from?.user?.login;
    if (!ours) {
      if (previous === undefined || !sameOwner(previous, ctx.owner))
        return { kind: 'ignore', reason: 'transfer between other owners' };
      return {
        kind: 'repository',
        change: {
          action: 'gone',
          repo: `${previous}/${source.name}`,
          why: `transferred to ${source.owner} on GitHub`,
        },
      };
    }
    // Transferred in: a new repository for this owner.
    return withFilters({ action: 'created', source }, ctx);
  }
  if (!ours) return { kind: 'ignore', reason: `repository of another owner (${source.owner})` };
  switch (action) {
    case 'created':
    case 'archived':
    case 'unarchived':
      return withFilters({ action, source }, ctx);
    case 'renamed': {
      const old = payload.changes?.repository?.name?.from;
      if (typeof old !== 'string' || old === '')
        return { kind: 'ignore', reason: 'rename without the old name' };
      return withFilters({ action: 'renamed', from: `${source.owner}/${old}`, source }, ctx);
    }
    case 'edited':
    case 'privatized':
    case 'publicized':
      // Description, default branch or visibility: the repository's next sync refreshes its metadata (and
      // the filters may now keep or leave it).
      return withFilters({ action: 'edited', source }, ctx);
    case 'deleted':
      return {
        kind: 'repository',
        change: { action: 'gone', repo: source.fullName, why: 'deleted on GitHub' },
      };
    default:
      return { kind: 'ignore', reason: `repository ${action} does not change the mirror` };
  }
}

function withFilters(change: RepoChange & { source: SourceRepo }, ctx: RoutingContext): WebhookRoute {
  const why = filteredOut(change.source, ctx.filter);
  if (why === undefined) return { kind: 'repository', change };
  // A repository the filters now leave out stops being mirrored (if it was); a new one is just not taken.
  if (change.action === 'created') return { kind: 'ignore', reason: `excluded by the filters (${why})` };
  return {
    kind: 'repository',
    change: {
      action: 'gone',
      repo: change.action === 'renamed' ? change.from : change.source.fullName,
      why: 'excluded by the filters',
    },
  };
}
