import type { CommitInfo, RefTip } from './bare-repo-reader.ts';
import type { MatchedProtection } from './branch-protection-match.ts';
import { refPath, type SandboxUrls } from './sandbox-urls.ts';
import { legacyNodeId } from './stable-id.ts';

/** Where a repository's REST and web URLs start. */
export interface RepoRef {
  readonly fullName: string;
  readonly id: number;
}

function repoApi(urls: SandboxUrls, repo: RepoRef): string {
  return `${urls.api}/repos/${repo.fullName}`;
}

function protectionUrl(urls: SandboxUrls, repo: RepoRef, branch: string): string {
  return `${repoApi(urls, repo)}/branches/${refPath(branch)}/protection`;
}

/** The short `protection` summary GitHub embeds in branch objects. */
function protectionSummary(matched: MatchedProtection | undefined): Record<string, unknown> {
  const checks = matched?.rule.required_status_checks;
  const contexts = checks?.contexts ?? [];
  let level = 'off';
  if (checks !== undefined) level = matched?.rule.enforce_admins === true ? 'everyone' : 'non_admins';
  return {
    enabled: matched !== undefined,
    required_status_checks: {
      enforcement_level: level,
      contexts,
      checks: contexts.map((context) => ({ context, app_id: null })),
    },
  };
}

/** `short-branch`: an entry of `GET /repos/{owner}/{repo}/branches`. */
export function shortBranchJson(
  urls: SandboxUrls,
  repo: RepoRef,
  tip: RefTip,
  matched: MatchedProtection | undefined,
): Record<string, unknown> {
  return {
    name: tip.name,
    commit: { sha: tip.sha, url: `${repoApi(urls, repo)}/commits/${tip.sha}` },
    protected: matched !== undefined,
    protection: protectionSummary(matched),
    protection_url: protectionUrl(urls, repo, tip.name),
  };
}

/** `commit`, as embedded in `GET /repos/{owner}/{repo}/branches/{branch}`. */
export function commitJson(urls: SandboxUrls, repo: RepoRef, commit: CommitInfo): Record<string, unknown> {
  const api = repoApi(urls, repo);
  const html = `${urls.html}/${repo.fullName}`;
  return {
    sha: commit.sha,
    node_id: legacyNodeId('Commit', `${repo.id}:${commit.sha}`),
    commit: {
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
      tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
      url: `${api}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    url: `${api}/commits/${commit.sha}`,
    html_url: `${html}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    // GitHub links commit authors to accounts by e-mail; the sandbox has no e-mail addresses for its users.
    author: null,
    committer: null,
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${html}/commit/${sha}`,
    })),
  };
}

/** `branch-with-protection`: `GET /repos/{owner}/{repo}/branches/{branch}`. */
export function branchJson(
  urls: SandboxUrls,
  repo: RepoRef,
  name: string,
  commit: CommitInfo,
  matched: MatchedProtection | undefined,
): Record<string, unknown> {
  return {
    name,
    commit: commitJson(urls, repo, commit),
    _links: {
      self: `${repoApi(urls, repo)}/branches/${refPath(name)}`,
      html: `${urls.html}/${repo.fullName}/tree/${refPath(name)}`,
    },
    protected: matched !== undefined,
    protection: protectionSummary(matched),
    protection_url: protectionUrl(urls, repo, name),
    ...(matched !== undefined && matched.pattern !== name ? { pattern: matched.pattern } : {}),
  };
}

/** `branch-protection`: `GET /repos/{owner}/{repo}/branches/{branch}/protection`. */
export function branchProtectionJson(
  urls: SandboxUrls,
  repo: RepoRef,
  branch: string,
  matched: MatchedProtection,
  restrictions: {
    users: readonly Record<string, unknown>[];
    teams: readonly Record<string, unknown>[];
  } | null,
): Record<string, unknown> {
  const { rule } = matched;
  const url = protectionUrl(urls, repo, branch);
  const flag = (enabled: boolean): { enabled: boolean } => ({ enabled });
  const checks = rule.required_status_checks;
  return {
    url,
    ...(checks === undefined
      ? {}
      : {
          required_status_checks: {
            url: `${url}/required_status_checks`,
            strict: checks.strict,
            contexts: checks.contexts,
            contexts_url: `${url}/required_status_checks/contexts`,
            checks: checks.contexts.map((context) => ({ context, app_id: null })),
          },
        }),
    ...(rule.required_approving_review_count === undefined
      ? {}
      : {
          required_pull_request_reviews: {
            url: `${url}/required_pull_request_reviews`,
            dismiss_stale_reviews: rule.dismiss_stale_reviews,
            require_code_owner_reviews: rule.require_code_owner_reviews,
            require_last_push_approval: rule.require_last_push_approval,
            required_approving_review_count: rule.required_approving_review_count,
          },
        }),
    required_signatures: { url: `${url}/required_signatures`, enabled: rule.required_signatures },
    enforce_admins: { url: `${url}/enforce_admins`, enabled: rule.enforce_admins },
    required_linear_history: flag(rule.required_linear_history),
    allow_force_pushes: flag(rule.allow_force_pushes),
    allow_deletions: flag(rule.allow_deletions),
    block_creations: flag(rule.block_creations),
    required_conversation_resolution: flag(rule.required_conversation_resolution),
    lock_branch: flag(rule.lock_branch),
    allow_fork_syncing: flag(false),
    ...(restrictions === null
      ? {}
      : {
          restrictions: {
            url: `${url}/restrictions`,
            users_url: `${url}/restrictions/users`,
            teams_url: `${url}/restrictions/teams`,
            apps_url: `${url}/restrictions/apps`,
            users: restrictions.users,
            teams: restrictions.teams,
            apps: [],
          },
        }),
  };
}

/** `tag`: an entry of `GET /repos/{owner}/{repo}/tags`. */
export function tagJson(urls: SandboxUrls, repo: RepoRef, tip: RefTip): Record<string, unknown> {
  const api = repoApi(urls, repo);
  return {
    name: tip.name,
    zipball_url: `${api}/zipball/refs/tags/${refPath(tip.name)}`,
    tarball_url: `${api}/tarball/refs/tags/${refPath(tip.name)}`,
    commit: { sha: tip.sha, url: `${api}/commits/${tip.sha}` },
    node_id: legacyNodeId('Ref', `${repo.id}:refs/tags/${tip.name}`),
  };
}
