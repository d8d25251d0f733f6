import type { Account } from './account.ts';
import type { RepoOnDisk } from './owner-store.ts';
import type { RepoPermission } from './owner-metadata.ts';
import type { SandboxUrls } from './sandbox-urls.ts';
import { legacyNodeId, stableId } from './stable-id.ts';
import { githubTime, simpleUserJson } from './user-json.ts';

/** What the sandbox learns from the bare repository itself (the rest comes from the YAML). */
export interface RepoFacts {
  readonly defaultBranch: string;
  readonly sizeKib: number;
  readonly createdAt: Date;
  readonly pushedAt: Date;
  readonly updatedAt: Date;
}

export interface RepoView {
  readonly owner: Account;
  readonly repo: RepoOnDisk;
  readonly facts: RepoFacts;
}

export interface RepoPermissions {
  readonly admin: boolean;
  readonly maintain: boolean;
  readonly push: boolean;
  readonly triage: boolean;
  readonly pull: boolean;
}

const LEVELS: readonly RepoPermission[] = ['pull', 'triage', 'push', 'maintain', 'admin'];

export function permissionRank(permission: RepoPermission): number {
  return LEVELS.indexOf(permission);
}

/** The `permissions` object for a level: each level includes every lower one. */
export function permissionsFor(permission: RepoPermission): RepoPermissions {
  const rank = permissionRank(permission);
  return { admin: rank >= 4, maintain: rank >= 3, push: rank >= 2, triage: rank >= 1, pull: rank >= 0 };
}

/** The role names GitHub's UI and `role_name` use for the REST permission levels. */
export function roleName(permission: RepoPermission): string {
  const names: Record<RepoPermission, string> = {
    pull: 'read',
    triage: 'triage',
    push: 'write',
    maintain: 'maintain',
    admin: 'admin',
  };
  return names[permission];
}

export function repoId(view: Pick<RepoView, 'owner' | 'repo'>): number {
  return view.repo.metadata.id ?? stableId('repo', view.owner.login, view.repo.name);
}

/** `minimal-repository`: the shape of repository lists. */
export function minimalRepoJson(
  urls: SandboxUrls,
  view: RepoView,
  permissions: RepoPermissions,
): Record<string, unknown> {
  const { owner, repo, facts } = view;
  const meta = repo.metadata;
  const fullName = `${owner.login}/${repo.name}`;
  const url = `${urls.api}/repos/${fullName}`;
  const id = repoId(view);
  return {
    id,
    node_id: legacyNodeId('Repository', id),
    name: repo.name,
    full_name: fullName,
    private: meta.visibility !== 'public',
    owner: simpleUserJson(urls, owner),
    html_url: `${urls.html}/${fullName}`,
    description: meta.description,
    fork: meta.fork,
    url,
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`,
    created_at: githubTime(facts.createdAt),
    updated_at: githubTime(facts.updatedAt),
    pushed_at: githubTime(facts.pushedAt),
    git_url: `git://${urls.hostname}/${fullName}.git`,
    ssh_url: `git@${urls.hostname}:${fullName}.git`,
    clone_url: `${urls.html}/${fullName}.git`,
    svn_url: `${urls.html}/${fullName}`,
    homepage: meta.homepage,
    size: facts.sizeKib,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: meta.has_issues,
    has_projects: meta.has_projects,
    has_downloads: true,
    has_wiki: meta.has_wiki,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: meta.archived,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [...meta.topics],
    visibility: meta.visibility,
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: facts.defaultBranch,
    permissions,
  };
}

/** `full-repository`: `GET /repos/{owner}/{repo}`. */
export function fullRepoJson(
  urls: SandboxUrls,
  view: RepoView,
  permissions: RepoPermissions,
): Record<string, unknown> {
  return {
    ...minimalRepoJson(urls, view, permissions),
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    merge_commit_title: 'MERGE_MESSAGE',
    merge_commit_message: 'PR_TITLE',
    temp_clone_token: null,
    ...(view.owner.type === 'Organization' ? { organization: simpleUserJson(urls, view.owner) } : {}),
    network_count: 0,
    subscribers_count: 0,
  };
}
