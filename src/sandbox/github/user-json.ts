import type { Account } from './account.ts';
import type { SandboxUrls } from './sandbox-urls.ts';
import { legacyNodeId } from './stable-id.ts';

/** What `/users/{login}` and `/orgs/{org}` add to an account: display fields and counts. */
export interface AccountProfile {
  readonly name: string | null;
  readonly description: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly publicRepos: number;
  readonly privateRepos: number;
}

/** GitHub prints timestamps in UTC without fractions: `2020-01-01T00:00:00Z`. */
export function githubTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** GitHub's `simple-user`: the shape of every nested user or organization reference. */
export function simpleUserJson(urls: SandboxUrls, account: Account): Record<string, unknown> {
  const { login, id } = account;
  const url = `${urls.api}/users/${login}`;
  return {
    login,
    id,
    node_id: legacyNodeId(account.type, id),
    avatar_url: `${urls.html}/avatars/u/${id}`,
    gravatar_id: '',
    url,
    html_url: `${urls.html}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: account.type,
    user_view_type: 'public',
    site_admin: account.siteAdmin,
  };
}

/** `GET /users/{username}` (also for organizations, with `type: "Organization"`). */
export function publicUserJson(
  urls: SandboxUrls,
  account: Account,
  profile: AccountProfile,
): Record<string, unknown> {
  return {
    ...simpleUserJson(urls, account),
    name: profile.name,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: profile.description,
    twitter_username: null,
    public_repos: profile.publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: githubTime(profile.createdAt),
    updated_at: githubTime(profile.updatedAt),
  };
}

/** `GET /user`: the authenticated user sees its private counters too. */
export function privateUserJson(
  urls: SandboxUrls,
  account: Account,
  profile: AccountProfile,
): Record<string, unknown> {
  return {
    ...publicUserJson(urls, account, profile),
    user_view_type: 'private',
    notification_email: null,
    private_gists: 0,
    total_private_repos: profile.privateRepos,
    owned_private_repos: profile.privateRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
    plan: { name: 'enterprise', space: 976562499, collaborators: 0, private_repos: 9999 },
  };
}

/** `GET /orgs/{org}` (`organization-full`), as an organization owner sees it. */
export function organizationJson(
  urls: SandboxUrls,
  account: Account,
  profile: AccountProfile,
): Record<string, unknown> {
  const { login, id } = account;
  const url = `${urls.api}/orgs/${login}`;
  return {
    login,
    id,
    node_id: legacyNodeId('Organization', id),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `${urls.html}/avatars/u/${id}`,
    description: profile.description,
    // The schema types `name` as a plain string: GitHub leaves the key out rather than send null.
    ...(profile.name === null ? {} : { name: profile.name }),
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: profile.publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `${urls.html}/${login}`,
    created_at: githubTime(profile.createdAt),
    updated_at: githubTime(profile.updatedAt),
    archived_at: null,
    type: 'Organization',
    total_private_repos: profile.privateRepos,
    owned_private_repos: profile.privateRepos,
    private_gists: 0,
    disk_usage: null,
    collaborators: 0,
    billing_email: null,
    default_repository_permission: 'read',
    default_repository_branch: 'main',
    members_can_create_repositories: true,
    two_factor_requirement_enabled: false,
    members_allowed_repository_creation_type: 'all',
    members_can_create_public_repositories: true,
    members_can_create_private_repositories: true,
    members_can_create_internal_repositories: true,
    members_can_create_pages: true,
    members_can_create_public_pages: true,
    members_can_create_private_pages: true,
    members_can_fork_private_repositories: false,
    web_commit_signoff_required: false,
  };
}
