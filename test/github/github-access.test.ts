import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLevelFromGithub } from '../../src/core/access-level-from-github.ts';
import type { GithubAccess } from '../../src/core/github-access.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { createGithubClient, type GithubClient } from '../../src/github/create-github-client.ts';
import { listGithubAccess } from '../../src/github/list-github-access.ts';
import type { OwnerMetadataInput } from '../../src/sandbox/github/owner-metadata.ts';
import { writeOwnerFile } from '../../src/sandbox/github/owner-store.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { Gh2ccError } from '../../src/util/errors.ts';
import { createLogger } from '../../src/util/logger.ts';
import { assertMatchesGithubSchema } from '../helpers/github-openapi.ts';
import { tempDir } from '../helpers/git.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const ORG = 'accessorg';

const MAIN_RULE = {
  required_approving_review_count: 2,
  enforce_admins: true,
  restrictions: { users: ['olivia'], teams: ['platform-oncall', 'platform'] },
};

const API_PROTECTION = {
  main: MAIN_RULE,
  'release/*': { lock_branch: true, allow_force_pushes: true },
  // No such branch: GitHub reports protection per existing branch, so this rule shows nowhere.
  develop: { required_approving_review_count: 1 },
};

const META: OwnerMetadataInput = {
  type: 'Organization',
  members: [
    { login: 'olivia', role: 'admin' },
    { login: 'Aaron', role: 'admin' },
    { login: 'dana', role: 'member' },
  ],
  teams: [
    {
      slug: 'platform',
      name: 'Platform',
      // Sam is on the child team too (spelt differently there): GitHub lists him once, under this spelling.
      members: [
        { login: 'dana', role: 'maintainer' },
        { login: 'Sam', role: 'member' },
        { login: 'pat', role: 'member' },
      ],
      repos: { api: 'push', tools: 'maintain' },
    },
    {
      slug: 'platform-oncall',
      name: 'Platform on-call',
      parent: 'platform',
      members: [{ login: 'sam' }, { login: 'lee' }],
      repos: { api: 'admin', docs: 'triage' },
    },
    { slug: 'pager', name: 'Pager', parent: 'platform-oncall', members: [{ login: 'gia' }] },
    {
      slug: 'security',
      name: 'Security',
      privacy: 'secret',
      members: [{ login: 'lee' }],
      repos: { api: 'pull', docs: 'pull', archive: 'pull' },
    },
    { slug: 'auditors', name: 'Auditors' },
  ],
  repos: {
    api: { branch_protection: API_PROTECTION },
    archive: { archived: true, branch_protection: { main: { required_approving_review_count: 0 } } },
    tools: { branch_protection: { main: { enforce_admins: true } } },
  },
};

/** Everything in META as gh2cc must read it. */
const EXPECTED: GithubAccess = {
  org: ORG,
  owners: ['Aaron', 'olivia'],
  teams: [
    { slug: 'auditors', name: 'Auditors', parent: null, members: [], repos: {} },
    {
      slug: 'pager',
      name: 'Pager',
      parent: 'platform-oncall',
      members: ['gia'],
      repos: { api: 'admin', docs: 'triage', tools: 'maintain' },
    },
    {
      slug: 'platform',
      name: 'Platform',
      parent: null,
      // Sam (direct here and in the child team) and gia (grandchild) belong to the child teams' groups.
      members: ['dana', 'pat'],
      repos: { api: 'push', tools: 'maintain' },
    },
    {
      slug: 'platform-oncall',
      name: 'Platform on-call',
      parent: 'platform',
      members: ['lee', 'sam'],
      repos: { api: 'admin', docs: 'triage', tools: 'maintain' },
    },
    {
      slug: 'security',
      name: 'Security',
      parent: null,
      members: ['lee'],
      repos: { api: 'pull', archive: 'pull', docs: 'pull' },
    },
  ],
  repos: [
    {
      name: 'api',
      protectedBranches: [
        {
          branch: 'main',
          requiredReviews: true,
          requiredApprovals: 2,
          enforceAdmins: true,
          lockBranch: false,
          allowDeletions: false,
          allowForcePushes: false,
          restrictions: { users: ['olivia'], teams: ['platform', 'platform-oncall'] },
        },
        {
          branch: 'release/1.0',
          requiredReviews: false,
          requiredApprovals: 0,
          enforceAdmins: false,
          lockBranch: true,
          allowDeletions: false,
          allowForcePushes: true,
          restrictions: null,
        },
      ],
    },
    {
      name: 'archive',
      protectedBranches: [
        {
          branch: 'main',
          requiredReviews: true,
          requiredApprovals: 0,
          enforceAdmins: false,
          lockBranch: false,
          allowDeletions: false,
          allowForcePushes: false,
          restrictions: null,
        },
      ],
    },
    { name: 'docs', protectedBranches: [] },
    // Empty: no branch exists for its rule to protect.
    { name: 'tools', protectedBranches: [] },
  ],
};

const ROUTES = [
  '/orgs/{org}/members',
  '/orgs/{org}/repos',
  '/orgs/{org}/teams',
  '/orgs/{org}/teams/{team_slug}/members',
  '/orgs/{org}/teams/{team_slug}/repos',
  '/repos/{owner}/{repo}/branches',
  '/repos/{owner}/{repo}/branches/{branch}/protection',
];

describe('listGithubAccess against the sandbox GitHub', { timeout: 60_000 }, () => {
  let sandbox: RunningSandbox;
  const log = createLogger({ level: 'silent' });

  function client(): GithubClient {
    const github = createGithubClient({
      apiUrl: sandbox.info.github.apiUrl,
      token: sandbox.info.github.token,
      log,
      retries: 0,
    });
    // Every answer gh2cc reads here must be one GitHub could give.
    github.hook.after('request', (response, options) => {
      assertMatchesGithubSchema(options.method, routeOf(options.url), response.status, response.data);
    });
    return github;
  }

  /** The paginator requests full URLs; the schema is looked up by route. */
  function routeOf(url: string): string {
    if (url.startsWith('/')) return url;
    const path = new URL(url).pathname.slice(new URL(sandbox.info.github.apiUrl).pathname.length);
    const route = ROUTES.find((r) => new RegExp(`^${r.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
    if (route === undefined) throw new Error(`unexpected request ${url}`);
    return route;
  }

  beforeAll(async () => {
    const work = await tempDir('gh2cc-access-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log });
    await seedOrg(sandbox.githubDir, ORG, [
      { name: 'api', commits: 2, branches: 1 },
      { name: 'archive', commits: 1 },
      { name: 'docs', commits: 1, branches: 1 },
      { name: 'tools', commits: 0 },
    ]);
    const api = join(sandbox.githubDir, ORG, 'api.git');
    await runGit(api, ['update-ref', 'refs/heads/release/1.0', 'refs/heads/main']);
    // `*` stops at `/`, as in GitHub's fnmatch: this branch is not protected by `release/*`.
    await runGit(api, ['update-ref', 'refs/heads/release/2.0/hotfix', 'refs/heads/main']);
    await writeOwnerFile(sandbox.githubDir, ORG, META);
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('reads teams with their own members, owners, and each repository’s protected branches', async () => {
    expect(await listGithubAccess(client(), ORG, { concurrency: 3 })).toEqual(EXPECTED);
  });

  it('reads only the repositories asked for; one deleted meanwhile has nothing protected', async () => {
    const access = await listGithubAccess(client(), ORG, { repos: ['docs', 'gone', 'api'] });
    expect(access.repos).toEqual([
      EXPECTED.repos[0],
      { name: 'docs', protectedBranches: [] },
      { name: 'gone', protectedBranches: [] },
    ]);
    expect(access.teams).toEqual(EXPECTED.teams);
  });

  it('skips a branch whose protection was removed after the branch list was read', async () => {
    const github = client();
    github.hook.before('request', async (options) => {
      if (options.url.endsWith('/protection') && options['branch'] === 'release/1.0') {
        const { 'release/*': _dropped, ...rest } = API_PROTECTION;
        await writeOwnerFile(sandbox.githubDir, ORG, {
          ...META,
          repos: { ...META.repos, api: { branch_protection: rest } },
        });
      }
    });
    try {
      const access = await listGithubAccess(github, ORG, { repos: ['api'] });
      expect(access.repos).toEqual([
        { name: 'api', protectedBranches: [EXPECTED.repos[0]?.protectedBranches[0]] },
      ]);
    } finally {
      await writeOwnerFile(sandbox.githubDir, ORG, META);
    }
  });

  it('refuses to report a protected branch as open when the token may not read its protection', async () => {
    const github = client();
    // What GitHub answers a token without admin on the repository: 404, while the branch says it is protected.
    github.hook.before('request', (options) => {
      options.url = options.url.replace(/\/protection$/, '/protection-hidden');
    });
    const failure = listGithubAccess(github, ORG, { repos: ['api'] });
    await expect(failure).rejects.toBeInstanceOf(Gh2ccError);
    await expect(failure).rejects.toMatchObject({
      code: 'auth',
      retryable: false,
      message: expect.stringMatching(
        /protection of branch (main|release\/1\.0) in accessorg\/api \(404\)/,
      ) as unknown,
    });
  });

  it('names what it was reading when GitHub has no such organization', async () => {
    await expect(listGithubAccess(client(), 'no-such-org')).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/organization no-such-org visible to this token \(404\)/) as unknown,
    });
  });

  // One request at a time, so the request being sent when the signal fires is the one that must fail.
  it.each([
    ['/orgs/{org}/repos', 'repositories of organization accessorg'],
    ['/orgs/{org}/members', 'owners of organization accessorg'],
    ['/orgs/{org}/teams', 'teams of organization accessorg'],
    ['/orgs/{org}/teams/{team_slug}/repos', 'repositories of team accessorg/'],
    ['/orgs/{org}/teams/{team_slug}/members', 'members of team accessorg/'],
    ['/repos/{owner}/{repo}/branches', 'protected branches of accessorg/'],
    ['/repos/{owner}/{repo}/branches/{branch}/protection', 'protection of branch '],
  ])('cancels %s when the caller’s signal fires', async (route, what) => {
    const stop = new AbortController();
    const github = client();
    github.hook.before('request', (options) => {
      if (routeOf(options.url) === route) stop.abort();
    });
    const run = listGithubAccess(github, ORG, { signal: stop.signal, concurrency: 1 });
    await expect(run).rejects.toBeInstanceOf(Gh2ccError);
    await expect(run).rejects.toMatchObject({ message: expect.stringContaining(what) as unknown });
  });
});

describe('accessLevelFromGithub', () => {
  it('takes base roles from role_name in either spelling', () => {
    expect(
      ['read', 'pull', 'triage', 'write', 'push', 'maintain', 'admin'].map((role_name) =>
        accessLevelFromGithub({ role_name }),
      ),
    ).toEqual(['pull', 'pull', 'triage', 'push', 'push', 'maintain', 'admin']);
  });

  it('maps a custom role to its base role, the highest permission it has', () => {
    const flags = { admin: false, maintain: false, push: false, triage: false, pull: true };
    expect(
      accessLevelFromGithub({
        role_name: 'release-manager',
        permissions: { ...flags, push: true, triage: true },
      }),
    ).toBe('push');
    expect(accessLevelFromGithub({ role_name: 'auditor', permissions: flags })).toBe('pull');
    expect(
      accessLevelFromGithub({ role_name: 'triager-plus', permissions: { ...flags, triage: true } }),
    ).toBe('triage');
    expect(
      accessLevelFromGithub({
        role_name: 'lead',
        permissions: { ...flags, maintain: true, push: true, triage: true },
      }),
    ).toBe('maintain');
    expect(accessLevelFromGithub({ role_name: 'constructor', permissions: { ...flags, admin: true } })).toBe(
      'admin',
    );
  });
});
