import { mkdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/git-runner.ts';
import { createGithubApi, SANDBOX_ADMIN_LOGIN, writeOwnerFile } from '../../src/sandbox/github/index.ts';
import { createLogger } from '../../src/util/logger.ts';
import { assertMatchesGithubSchema } from '../helpers/github-openapi.ts';
import { tempDir } from '../helpers/git.ts';

const TOKEN = 'ghp_sandboxUserReposToken0123456789';

let root: string;
let server: Server;
let octokit: Octokit;

async function bare(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  await runGit(path, ['init', '--bare', '--quiet', '--initial-branch=main']);
}

/**
 * The token's own user (the sandbox administrator) owns a public and a private repository and is a member of
 * one organization; another user has a private repository the listing must never show.
 */
beforeAll(async () => {
  root = await tempDir('gh2cc-user-repos-');
  const dir = join(root, 'github');
  const me = SANDBOX_ADMIN_LOGIN;
  await bare(join(dir, me, 'notes.git'));
  await bare(join(dir, me, 'diary.git'));
  await writeOwnerFile(dir, me, {
    type: 'User',
    repos: { notes: { visibility: 'public' }, diary: { visibility: 'private' } },
  });
  await bare(join(dir, 'team-org', 'service.git'));
  await writeOwnerFile(dir, 'team-org', {
    type: 'Organization',
    members: [{ login: me, role: 'member' }],
    repos: { service: { visibility: 'internal' } },
  });
  await bare(join(dir, 'otto', 'secret.git'));
  await writeOwnerFile(dir, 'otto', { type: 'User', repos: { secret: { visibility: 'private' } } });
  let baseUrl = '';
  const handler = createGithubApi({
    dir,
    token: TOKEN,
    baseUrl: () => baseUrl,
    log: createLogger({ level: 'silent' }),
  });
  server = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const quiet = (): void => undefined;
  octokit = new Octokit({
    auth: TOKEN,
    baseUrl: `${baseUrl}/api/v3`,
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

const fullNames = (items: readonly { full_name: string }[]): string[] => items.map((r) => r.full_name);

describe("GitHub sandbox: the authenticated user's repositories", () => {
  it('GET /user/repos?affiliation=owner lists private repositories too; GET /users/{u}/repos only public ones', async () => {
    const own = await octokit.rest.repos.listForAuthenticatedUser({ affiliation: 'owner' });
    assertMatchesGithubSchema('get', '/user/repos', 200, own.data);
    expect(fullNames(own.data)).toEqual(['sandbox-admin/diary', 'sandbox-admin/notes']);
    expect(own.data[0]).toMatchObject({ private: true, visibility: 'private', owner: { type: 'User' } });

    const pub = await octokit.rest.repos.listForUser({ username: SANDBOX_ADMIN_LOGIN });
    expect(fullNames(pub.data)).toEqual(['sandbox-admin/notes']);
    expect(fullNames((await octokit.rest.repos.listForUser({ username: 'otto' })).data)).toEqual([]);
  });

  it('by default adds the organizations it is a member of; visibility and type filter as on GitHub', async () => {
    const all = await octokit.rest.repos.listForAuthenticatedUser();
    expect(fullNames(all.data)).toEqual(['sandbox-admin/diary', 'sandbox-admin/notes', 'team-org/service']);
    const pub = await octokit.rest.repos.listForAuthenticatedUser({ visibility: 'public' });
    expect(fullNames(pub.data)).toEqual(['sandbox-admin/notes']);
    const member = await octokit.rest.repos.listForAuthenticatedUser({ type: 'member' });
    expect(fullNames(member.data)).toEqual(['team-org/service']);
    const paged = await octokit.rest.repos.listForAuthenticatedUser({ per_page: 2, page: 2 });
    expect(fullNames(paged.data)).toEqual(['team-org/service']);
  });

  it('refuses type together with affiliation, and an unknown affiliation (422)', async () => {
    await expect(
      octokit.rest.repos.listForAuthenticatedUser({ type: 'owner', affiliation: 'owner' }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(octokit.request('GET /user/repos', { affiliation: 'friend' })).rejects.toMatchObject({
      status: 422,
    });
  });
});
