import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitEnv } from '../../src/git/git-env.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { createGithubApi } from '../../src/sandbox/github/index.ts';
import { listOwners, loadOwner, writeOwnerFile } from '../../src/sandbox/github/owner-store.ts';
import type { OwnerMetadataInput } from '../../src/sandbox/github/owner-metadata.ts';
import { createLogger } from '../../src/util/logger.ts';
import { assertMatchesGithubSchema } from '../helpers/github-openapi.ts';
import { tempDir } from '../helpers/git.ts';

const TOKEN = 'ghp_sandboxTestToken0123456789abcdef';
const MANY = 35;
const BIG = 200;

const ACME: OwnerMetadataInput = {
  type: 'Organization',
  description: 'Acme engineering',
  members: [
    { login: 'alice', role: 'admin' },
    { login: 'bob', role: 'member' },
    { login: 'carol', role: 'member' },
  ],
  teams: [
    {
      slug: 'platform',
      name: 'Platform',
      description: 'Platform engineering',
      members: [
        { login: 'bob', role: 'maintainer' },
        { login: 'carol', role: 'member' },
      ],
      repos: { api: 'push', web: 'admin' },
    },
    // `dave` is on no org member list: being on a team makes him a member, as on GitHub.
    {
      slug: 'oncall',
      name: 'On-call',
      parent: 'platform',
      members: [{ login: 'dave' }],
      repos: { api: 'maintain', tools: 'triage' },
    },
    { slug: 'auditors', name: 'Auditors', privacy: 'secret', repos: { ghost: 'pull' } },
  ],
  repos: {
    api: {
      description: 'The API',
      topics: ['go', 'backend'],
      visibility: 'private',
      homepage: 'https://api.example.com',
      created_at: '2020-01-01T00:00:00Z',
      branch_protection: {
        main: {
          required_approving_review_count: 1,
          enforce_admins: true,
          required_status_checks: { strict: true, contexts: ['ci/build'] },
          restrictions: { users: ['alice'], teams: ['platform'] },
        },
        'release/*': { allow_deletions: false },
      },
    },
    web: { description: 'The website', visibility: 'public', archived: true, topics: ['frontend'] },
    tools: { visibility: 'internal', fork: true },
    // Listed but without a bare folder: it does not exist.
    ghost: { description: 'Never created' },
  },
};

let root: string;
let dir: string;
let server: Server;
let baseUrl: string;
let apiUrl: string;
let octokit: Octokit;
const shas = new Map<string, string>();

/** Fixed dates keep commit shas stable from run to run. */
const WORK_ENV = gitEnv({
  GIT_AUTHOR_NAME: 'Ada Author',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_AUTHOR_DATE: '2021-02-03T04:05:06Z',
  GIT_COMMITTER_NAME: 'Cy Committer',
  GIT_COMMITTER_EMAIL: 'cy@example.com',
  GIT_COMMITTER_DATE: '2021-02-03T04:05:06Z',
});

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await runGit(cwd, args, { env: WORK_ENV })).stdout.trim();
}

async function bare(path: string, branch = 'main'): Promise<void> {
  await mkdir(path, { recursive: true });
  await git(path, 'init', '--bare', '--quiet', `--initial-branch=${branch}`);
}

/** A repository built the ordinary way: commits in a work tree, pushed to a bare repository over `file://`. */
async function pushedRepo(
  root: string,
  bareDir: string,
  branch: string,
  build: (work: string) => Promise<void>,
): Promise<void> {
  await bare(bareDir, branch);
  const work = join(root, 'work', bareDir.replace(/[/\\]/g, '_'));
  await mkdir(work, { recursive: true });
  await git(work, 'init', '--quiet', `--initial-branch=${branch}`);
  await build(work);
  await git(work, 'push', '--quiet', `file://${bareDir}`, '--all');
  await git(work, 'push', '--quiet', `file://${bareDir}`, '--tags');
}

async function commit(work: string, file: string, text: string): Promise<string> {
  await writeFile(join(work, file), text);
  await git(work, 'add', file);
  await git(work, 'commit', '--quiet', '-m', `edit ${file}`);
  return git(work, 'rev-parse', 'HEAD');
}

async function buildFixture(): Promise<void> {
  dir = join(root, 'github');
  const acme = join(dir, 'acme');
  await pushedRepo(root, join(acme, 'api.git'), 'main', async (work) => {
    shas.set('first', await commit(work, 'README.md', '# api\n'));
    await git(work, 'tag', '-a', 'v1.0', '-m', 'Release 1.0');
    shas.set('main', await commit(work, 'main.go', 'package main\n'));
    await git(work, 'tag', 'v1.1');
    await git(work, 'tag', 'v1.10');
    await git(work, 'checkout', '--quiet', '-b', 'feature/x');
    shas.set('feature/x', await commit(work, 'x.go', 'package x\n'));
    await git(work, 'branch', 'release/1.0', shas.get('first') ?? '');
    await git(work, 'checkout', '--quiet', 'main');
  });
  // GitHub's hidden pull request refs live in the same repository but are neither branches nor tags.
  await git(join(acme, 'api.git'), 'update-ref', 'refs/pull/1/head', shas.get('feature/x') ?? '');
  await pushedRepo(root, join(acme, 'api.wiki.git'), 'master', async (work) => {
    await commit(work, 'Home.md', '# Wiki\n');
  });
  await pushedRepo(root, join(acme, 'web.git'), 'trunk', async (work) => {
    shas.set('trunk', await commit(work, 'index.html', '<html></html>\n'));
  });
  await bare(join(acme, 'tools.git'));
  // In the folder but not in the YAML: served with defaults, HEAD naming its default branch.
  await bare(join(acme, 'unlisted.git'), 'develop');
  await writeOwnerFile(dir, 'acme', ACME);

  // An owner folder with no YAML at all: an organization with default metadata.
  const template = join(root, 'template.git');
  await bare(template);
  const copies: Promise<void>[] = [];
  for (let i = 1; i <= MANY; i += 1)
    copies.push(
      cp(template, join(dir, 'many', `repo-${String(i).padStart(2, '0')}.git`), { recursive: true }),
    );
  for (let i = 1; i <= BIG; i += 1)
    copies.push(cp(template, join(dir, 'big', `svc-${String(i).padStart(3, '0')}.git`), { recursive: true }));
  await Promise.all(copies);

  await bare(join(dir, 'ursula', 'dotfiles.git'));
  await bare(join(dir, 'ursula', 'secret-notes.git'));
  await writeOwnerFile(dir, 'ursula', {
    type: 'User',
    name: 'Ursula User',
    repos: {
      dotfiles: { visibility: 'public', topics: ['shell'] },
      'secret-notes': { visibility: 'private' },
    },
  });
}

beforeAll(async () => {
  root = await tempDir('gh2cc-github-api-');
  await buildFixture();
  const handler = createGithubApi({
    dir,
    token: TOKEN,
    baseUrl: () => baseUrl,
    log: createLogger({ level: 'silent' }),
  });
  server = createServer((req, res) => {
    handler(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(418).end();
      },
      (err: unknown) => res.writeHead(599).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  apiUrl = `${baseUrl}/api/v3`;
  // Octokit logs every 4xx through console.warn; the tests assert on them instead.
  const quiet = (): void => undefined;
  octokit = new Octokit({
    auth: TOKEN,
    baseUrl: apiUrl,
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

async function raw(path: string, token: string | null = TOKEN): Promise<Response> {
  return fetch(`${apiUrl}${path}`, { headers: token === null ? {} : { authorization: `token ${token}` } });
}

function names(items: readonly { name: string }[]): string[] {
  return items.map((i) => i.name);
}

describe('GitHub sandbox REST API: accounts', () => {
  it('GET /user is the sandbox administrator', async () => {
    const { data, headers } = await octokit.rest.users.getAuthenticated();
    assertMatchesGithubSchema('get', '/user', 200, data);
    expect(data).toMatchObject({ login: 'sandbox-admin', type: 'User', site_admin: true });
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers['x-github-api-version-selected']).toBe('2022-11-28');
    expect(headers['x-ratelimit-resource']).toBe('core');
    expect(headers['x-github-request-id']).toMatch(/^[0-9A-F:]+$/);
  });

  it('GET /orgs/{org} for a YAML org and a folder-only org; 404 for a user', async () => {
    const { data } = await octokit.rest.orgs.get({ org: 'acme' });
    assertMatchesGithubSchema('get', '/orgs/{org}', 200, data);
    expect(data).toMatchObject({
      login: 'acme',
      type: 'Organization',
      description: 'Acme engineering',
      public_repos: 1,
    });
    expect(data.total_private_repos).toBe(3);
    const many = await octokit.rest.orgs.get({ org: 'many' });
    assertMatchesGithubSchema('get', '/orgs/{org}', 200, many.data);
    expect(many.data).toMatchObject({ login: 'many', description: null, public_repos: 0 });
    await expect(octokit.rest.orgs.get({ org: 'ursula' })).rejects.toMatchObject({ status: 404 });
  });

  it('GET /users/{username} for orgs, user owners and members; ids are stable', async () => {
    const org = await octokit.rest.users.getByUsername({ username: 'ACME' });
    assertMatchesGithubSchema('get', '/users/{username}', 200, org.data);
    expect(org.data).toMatchObject({ login: 'acme', type: 'Organization' });
    const user = await octokit.rest.users.getByUsername({ username: 'ursula' });
    assertMatchesGithubSchema('get', '/users/{username}', 200, user.data);
    expect(user.data).toMatchObject({ login: 'ursula', type: 'User', name: 'Ursula User', public_repos: 1 });
    const dave = await octokit.rest.users.getByUsername({ username: 'dave' });
    assertMatchesGithubSchema('get', '/users/{username}', 200, dave.data);
    expect(dave.data.type).toBe('User');
    expect((await octokit.rest.users.getByUsername({ username: 'dave' })).data.id).toBe(dave.data.id);
    await expect(octokit.rest.users.getByUsername({ username: 'nobody-here' })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('GET /orgs/{org}/members with role filter (team members count as org members)', async () => {
    const all = await octokit.rest.orgs.listMembers({ org: 'acme' });
    assertMatchesGithubSchema('get', '/orgs/{org}/members', 200, all.data);
    expect(all.data.map((m) => m.login)).toEqual(['alice', 'bob', 'carol', 'dave']);
    const admins = await octokit.rest.orgs.listMembers({ org: 'acme', role: 'admin' });
    expect(admins.data.map((m) => m.login)).toEqual(['alice']);
  });
});

describe('GitHub sandbox REST API: repositories', () => {
  it('GET /orgs/{org}/repos lists bare repos only (no YAML-only repos, no wikis) with filters and sorting', async () => {
    const { data } = await octokit.rest.repos.listForOrg({ org: 'acme', sort: 'full_name' });
    assertMatchesGithubSchema('get', '/orgs/{org}/repos', 200, data);
    expect(names(data)).toEqual(['api', 'tools', 'unlisted', 'web']);
    const byName = new Map(data.map((r) => [r.name, r]));
    expect(byName.get('unlisted')).toMatchObject({
      visibility: 'private',
      private: true,
      default_branch: 'develop',
      topics: [],
    });
    expect(byName.get('web')).toMatchObject({
      visibility: 'public',
      private: false,
      archived: true,
      default_branch: 'trunk',
    });
    // Raw requests: octokit's types follow api.github.com, which has no `internal` filter (GHES has).
    const filtered = async (type: string): Promise<string[]> =>
      names((await (await raw(`/orgs/acme/repos?type=${type}&sort=full_name`)).json()) as { name: string }[]);
    expect(await filtered('public')).toEqual(['web']);
    expect(await filtered('private')).toEqual(['api', 'tools', 'unlisted']);
    expect(await filtered('internal')).toEqual(['tools']);
    expect(await filtered('forks')).toEqual(['tools']);
    expect(await filtered('sources')).toEqual(['api', 'unlisted', 'web']);
    const desc = await octokit.rest.repos.listForOrg({ org: 'acme', sort: 'full_name', direction: 'desc' });
    expect(names(desc.data)).toEqual(['web', 'unlisted', 'tools', 'api']);
    // api's created_at is 2020 in the YAML: oldest, so last when newest-first (the default for `created`).
    expect(names((await octokit.rest.repos.listForOrg({ org: 'acme' })).data).at(-1)).toBe('api');
    const bad = await raw('/orgs/acme/repos?type=bogus');
    expect(bad.status).toBe(422);
  });

  it('paginates with Link headers, and octokit.paginate walks every page', async () => {
    const all = await octokit.paginate(octokit.rest.repos.listForOrg, { org: 'many', per_page: 10 });
    expect(all).toHaveLength(MANY);
    expect(new Set(all.map((r) => r.name)).size).toBe(MANY);
    const res = await raw('/orgs/many/repos?per_page=10&page=2&sort=full_name');
    const link = res.headers.get('link') ?? '';
    const rel = (name: string): string | undefined => new RegExp(`<([^>]+)>; rel="${name}"`).exec(link)?.[1];
    expect(rel('prev')).toBe(`${apiUrl}/orgs/many/repos?per_page=10&page=1&sort=full_name`);
    expect(rel('next')).toBe(`${apiUrl}/orgs/many/repos?per_page=10&page=3&sort=full_name`);
    expect(rel('last')).toBe(`${apiUrl}/orgs/many/repos?per_page=10&page=4&sort=full_name`);
    expect(rel('first')).toBe(`${apiUrl}/orgs/many/repos?per_page=10&page=1&sort=full_name`);
    const page2 = (await res.json()) as { name: string }[];
    expect(names(page2)).toEqual(
      Array.from({ length: 10 }, (_, i) => `repo-${String(i + 11).padStart(2, '0')}`),
    );
    const first = await raw('/orgs/many/repos');
    expect(((await first.json()) as unknown[]).length).toBe(30);
    expect(first.headers.get('link')).not.toContain('rel="prev"');
    const capped = await raw('/orgs/many/repos?per_page=500');
    expect(((await capped.json()) as unknown[]).length).toBe(MANY);
    expect(capped.headers.get('link')).toBeNull();
  });

  it(`lists an organization of ${BIG} repositories quickly`, async () => {
    const started = performance.now();
    const all = await octokit.paginate(octokit.rest.repos.listForOrg, {
      org: 'big',
      per_page: 100,
      sort: 'pushed',
    });
    const elapsed = performance.now() - started;
    expect(all).toHaveLength(BIG);
    // About 0.1 s a page here; the bound leaves room for slow CI machines, not for a git process per repository.
    expect(elapsed).toBeLessThan(3_000);
  });

  it("GET /users/{username}/repos lists a user owner's public repositories", async () => {
    const { data } = await octokit.rest.repos.listForUser({ username: 'ursula' });
    assertMatchesGithubSchema('get', '/users/{username}/repos', 200, data);
    expect(names(data)).toEqual(['dotfiles']);
    expect(data[0]?.owner).toMatchObject({ login: 'ursula', type: 'User' });
    const member = await octokit.rest.repos.listForUser({ username: 'ursula', type: 'member' });
    expect(member.data).toEqual([]);
  });

  it("GET /repos/{owner}/{repo} answers GitHub's full repository", async () => {
    const { data } = await octokit.rest.repos.get({ owner: 'acme', repo: 'api' });
    assertMatchesGithubSchema('get', '/repos/{owner}/{repo}', 200, data);
    expect(data).toMatchObject({
      name: 'api',
      full_name: 'acme/api',
      description: 'The API',
      topics: ['go', 'backend'],
      archived: false,
      visibility: 'private',
      private: true,
      default_branch: 'main',
      homepage: 'https://api.example.com',
      created_at: '2020-01-01T00:00:00Z',
      clone_url: `${baseUrl}/acme/api.git`,
      html_url: `${baseUrl}/acme/api`,
      url: `${apiUrl}/repos/acme/api`,
      permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
      owner: { login: 'acme', type: 'Organization' },
      organization: { login: 'acme' },
    });
    expect(data.size).toBeGreaterThanOrEqual(0);
    expect(Date.parse(data.pushed_at)).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    const again = await octokit.rest.repos.get({ owner: 'ACME', repo: 'API' });
    expect(again.data.id).toBe(data.id);
    expect(again.data.full_name).toBe('acme/api');
    const empty = await octokit.rest.repos.get({ owner: 'acme', repo: 'tools' });
    assertMatchesGithubSchema('get', '/repos/{owner}/{repo}', 200, empty.data);
    expect(empty.data).toMatchObject({ visibility: 'internal', fork: true, size: 0, default_branch: 'main' });
  });

  it("404s, in GitHub's error shape, for YAML-only repos, wikis, unknown owners and unknown routes", async () => {
    for (const path of [
      '/repos/acme/ghost',
      '/repos/acme/api.wiki',
      '/repos/nobody/api',
      '/repos/acme/api/nonsense',
      '/nope',
    ]) {
      const res = await raw(path);
      expect(res.status, path).toBe(404);
      const body: unknown = await res.json();
      expect(body).toEqual({
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
      assertMatchesGithubSchema('get', '/repos/{owner}/{repo}', 404, body);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5000');
    }
  });

  it('GET /repos/{owner}/{repo}/topics', async () => {
    const { data } = await octokit.rest.repos.getAllTopics({ owner: 'acme', repo: 'api' });
    assertMatchesGithubSchema('get', '/repos/{owner}/{repo}/topics', 200, data);
    expect(data.names).toEqual(['go', 'backend']);
  });
});

describe('GitHub sandbox REST API: branches and tags', () => {
  it('GET /repos/{owner}/{repo}/branches: heads only, protection flags, pagination', async () => {
    const { data } = await octokit.rest.repos.listBranches({ owner: 'acme', repo: 'api' });
    assertMatchesGithubSchema('get', '/repos/{owner}/{repo}/branches', 200, data);
    expect(data.map((b) => [b.name, b.protected, b.commit.sha])).toEqual([
      ['feature/x', false, shas.get('feature/x')],
      ['main', true, shas.get('main')],
      ['release/1.0', true, shas.get('first')],
    ]);
    expect(data[1]?.protection_url).toBe(`${apiUrl}/repos/acme/api/branches/main/protection`);
    const paged = await octokit.paginate(octokit.rest.repos.listBranches, {
      owner: 'acme',
      repo: 'api',
      per_page: 1,
    });
    expect(names(paged)).toEqual(['feature/x', 'main', 'release/1.0']);
    const onlyProtected = await octokit.rest.repos.listBranches({
      owner: 'acme',
      repo: 'api',
      protected: true,
    });
    expect(names(onlyProtected.data)).toEqual(['main', 'release/1.0']);
    const empty = await octokit.rest.repos.listBranches({ owner: 'acme', repo: 'tools' });
    expect(empty.data).toEqual([]);
  });

  it('GET /repos/{owner}/{repo}/branches/{branch}, also for names with slashes', async () => {
    const { data } = await octokit.rest.repos.getBranch({ owner: 'acme', repo: 'api', branch: 'feature/x' });
    assertMatchesGithubSchema('get', '/repos/{owner}/{repo}/branches/{branch}', 200, data);
    expect(data).toMatchObject({ name: 'feature/x', protected: false });
    expect(data.commit).toMatchObject({
      sha: shas.get('feature/x'),
      parents: [{ sha: shas.get('main') }],
      commit: {
        message: 'edit x.go',
        author: { name: 'Ada Author', email: 'ada@example.com', date: '2021-02-03T04:05:06Z' },
        committer: { name: 'Cy Committer', email: 'cy@example.com' },
      },
    });
    const unencoded = await raw('/repos/acme/api/branches/feature/x');
    expect(((await unencoded.json()) as { name: string }).name).toBe('feature/x');
    const main = await octokit.rest.repos.getBranch({ owner: 'acme', repo: 'api', branch: 'main' });
    assertMatchesGithubSchema('get', '/repos/{owner}/{repo}/branches/{branch}', 200, main.data);
    expect(main.data.protected).toBe(true);
    await expect(
      octokit.rest.repos.getBranch({ owner: 'acme', repo: 'api', branch: 'pull/1/head' }),
    ).rejects.toMatchObject({
      status: 404,
      response: { data: { message: 'Branch not found' } },
    });
  });

  it('GET /repos/{owner}/{repo}/branches/{branch}/protection from the YAML, exact names and patterns', async () => {
    const { data } = await octokit.rest.repos.getBranchProtection({
      owner: 'acme',
      repo: 'api',
      branch: 'main',
    });
    assertMatchesGithubSchema('get', '/repos/{owner}/{repo}/branches/{branch}/protection', 200, data);
    expect(data).toMatchObject({
      url: `${apiUrl}/repos/acme/api/branches/main/protection`,
      required_pull_request_reviews: { required_approving_review_count: 1, dismiss_stale_reviews: false },
      required_status_checks: { strict: true, contexts: ['ci/build'] },
      enforce_admins: { enabled: true },
      allow_force_pushes: { enabled: false },
      allow_deletions: { enabled: false },
    });
    expect(data.restrictions?.users.map((u) => u.login)).toEqual(['alice']);
    expect(data.restrictions?.teams.map((t) => t.slug)).toEqual(['platform']);
    const pattern = await octokit.rest.repos.getBranchProtection({
      owner: 'acme',
      repo: 'api',
      branch: 'release/1.0',
    });
    assertMatchesGithubSchema('get', '/repos/{owner}/{repo}/branches/{branch}/protection', 200, pattern.data);
    expect(pattern.data.required_pull_request_reviews).toBeUndefined();
    expect(pattern.data.restrictions).toBeUndefined();
    const res = await raw('/repos/acme/api/branches/feature%2Fx/protection');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      message: 'Branch not protected',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    });
  });

  it('GET /repos/{owner}/{repo}/tags: newest version first, annotated tags peeled', async () => {
    const { data } = await octokit.rest.repos.listTags({ owner: 'acme', repo: 'api' });
    assertMatchesGithubSchema('get', '/repos/{owner}/{repo}/tags', 200, data);
    expect(data.map((t) => [t.name, t.commit.sha])).toEqual([
      ['v1.10', shas.get('main')],
      ['v1.1', shas.get('main')],
      ['v1.0', shas.get('first')],
    ]);
    const paged = await octokit.paginate(octokit.rest.repos.listTags, {
      owner: 'acme',
      repo: 'api',
      per_page: 2,
    });
    expect(names(paged)).toEqual(['v1.10', 'v1.1', 'v1.0']);
  });
});

describe('GitHub sandbox REST API: teams', () => {
  it('GET /orgs/{org}/teams and /orgs/{org}/teams/{team_slug}', async () => {
    const { data } = await octokit.rest.teams.list({ org: 'acme' });
    assertMatchesGithubSchema('get', '/orgs/{org}/teams', 200, data);
    expect(data.map((t) => [t.slug, t.privacy, t.parent?.slug ?? null])).toEqual([
      ['auditors', 'secret', null],
      ['oncall', 'closed', 'platform'],
      ['platform', 'closed', null],
    ]);
    const oncall = await octokit.rest.teams.getByName({ org: 'acme', team_slug: 'oncall' });
    assertMatchesGithubSchema('get', '/orgs/{org}/teams/{team_slug}', 200, oncall.data);
    // Own grants (api maintain, tools triage) plus the parent's web: 3 repositories.
    expect(oncall.data).toMatchObject({
      name: 'On-call',
      members_count: 1,
      repos_count: 3,
      parent: { slug: 'platform' },
    });
    expect(oncall.data.organization.login).toBe('acme');
    await expect(octokit.rest.teams.getByName({ org: 'acme', team_slug: 'nope' })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('GET /orgs/{org}/teams/{team_slug}/teams lists child teams', async () => {
    const { data } = await octokit.rest.teams.listChildInOrg({ org: 'acme', team_slug: 'platform' });
    assertMatchesGithubSchema('get', '/orgs/{org}/teams/{team_slug}/teams', 200, data);
    expect(data.map((t) => t.slug)).toEqual(['oncall']);
  });

  it('GET /orgs/{org}/teams/{team_slug}/repos with inherited access, role_name and permissions', async () => {
    const { data } = await octokit.rest.teams.listReposInOrg({ org: 'acme', team_slug: 'oncall' });
    assertMatchesGithubSchema('get', '/orgs/{org}/teams/{team_slug}/repos', 200, data);
    expect(data.map((r) => [r.name, r.role_name, r.permissions])).toEqual([
      ['api', 'maintain', { admin: false, maintain: true, push: true, triage: true, pull: true }],
      ['tools', 'triage', { admin: false, maintain: false, push: false, triage: true, pull: true }],
      ['web', 'admin', { admin: true, maintain: true, push: true, triage: true, pull: true }],
    ]);
    const platform = await octokit.rest.teams.listReposInOrg({ org: 'acme', team_slug: 'platform' });
    expect(platform.data.map((r) => [r.name, r.role_name])).toEqual([
      ['api', 'write'],
      ['web', 'admin'],
    ]);
    const auditors = await octokit.rest.teams.listReposInOrg({ org: 'acme', team_slug: 'auditors' });
    expect(auditors.data).toEqual([]);
  });

  it('GET /orgs/{org}/teams/{team_slug}/members includes child-team members and filters by role', async () => {
    const { data } = await octokit.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'platform' });
    assertMatchesGithubSchema('get', '/orgs/{org}/teams/{team_slug}/members', 200, data);
    expect(data.map((m) => m.login)).toEqual(['bob', 'carol', 'dave']);
    const maintainers = await octokit.rest.teams.listMembersInOrg({
      org: 'acme',
      team_slug: 'platform',
      role: 'maintainer',
    });
    expect(maintainers.data.map((m) => m.login)).toEqual(['bob']);
  });
});

describe('GitHub sandbox REST API: protocol', () => {
  it('refuses a bad or missing token with 401 Bad credentials', async () => {
    for (const token of ['wrong', null]) {
      const res = await raw('/orgs/acme', token);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    const bearer = await fetch(`${apiUrl}/orgs/acme`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
  });

  it('counts requests in x-ratelimit-* and GET /rate_limit', async () => {
    const a = await raw('/user');
    const b = await raw('/user');
    const remaining = (r: Response): number => Number(r.headers.get('x-ratelimit-remaining'));
    expect(remaining(b)).toBe(remaining(a) - 1);
    expect(Number(b.headers.get('x-ratelimit-used'))).toBe(5000 - remaining(b));
    expect(Number(b.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const { data } = await octokit.rest.rateLimit.get();
    assertMatchesGithubSchema('get', '/rate_limit', 200, data);
    expect(data.rate).toMatchObject({ limit: 5000, remaining: remaining(b) });
    expect(data.resources.core).toEqual(data.rate);
  });

  it('does not claim paths outside /api/v3', async () => {
    const res = await fetch(`${baseUrl}/acme/api.git/info/refs`);
    expect(res.status).toBe(418);
  });
});

describe('GitHub sandbox REST API: state on disk', () => {
  it('reflects YAML edits and new bare repositories on the next request', async () => {
    await writeOwnerFile(dir, 'acme', {
      ...ACME,
      repos: { ...ACME.repos, api: { ...ACME.repos?.['api'], topics: ['go', 'backend', 'grpc'] } },
    });
    expect((await octokit.rest.repos.getAllTopics({ owner: 'acme', repo: 'api' })).data.names).toEqual([
      'go',
      'backend',
      'grpc',
    ]);
    await bare(join(dir, 'acme', 'fresh.git'));
    const listed = await octokit.rest.repos.listForOrg({ org: 'acme', sort: 'full_name' });
    expect(names(listed.data)).toContain('fresh');
    await rm(join(dir, 'acme', 'fresh.git'), { recursive: true });
    await writeOwnerFile(dir, 'acme', ACME);
  });

  it('answers 500 naming the file and key path when the YAML is invalid', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'teams:\n  - slug: ok\n    privacy: public\n');
    const res = await raw('/orgs/broken');
    expect(res.status).toBe(500);
    const body = (await res.json()) as { message: string };
    expect(body.message).toContain(file);
    expect(body.message).toContain('teams[0].privacy');
    await rm(file);
  });

  it('writeOwnerFile validates; loadOwner and listOwners read what is on disk', async () => {
    expect(await listOwners(dir)).toEqual(['acme', 'big', 'many', 'ursula']);
    const acme = await loadOwner(dir, 'Acme');
    expect(acme?.repos.map((r) => [r.name, r.wikiGitDir !== null])).toEqual([
      ['api', true],
      ['tools', false],
      ['unlisted', false],
      ['web', false],
    ]);
    expect(acme?.metadata.teams[1]?.members[0]).toEqual({ login: 'dave', role: 'member' });
    expect(await loadOwner(dir, 'nobody')).toBeNull();
    const many = await loadOwner(dir, 'many');
    expect(many?.metadataFile).toBeNull();
    expect(many?.metadata.type).toBe('Organization');
    await expect(
      writeOwnerFile(dir, 'bad-org', { teams: [{ slug: 'a', parent: 'missing' }] }),
    ).rejects.toThrow(`invalid ${join(dir, 'bad-org.yaml')}: teams[0].parent: no team with slug "missing"`);
    expect(await listOwners(dir)).not.toContain('bad-org');
  });
});
