import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { assertMatchesGithubSchema } from '../helpers/github-openapi.ts';
import { tempDir } from '../helpers/git.ts';
import { seedOrg } from '../helpers/seed-org.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

describe('sandbox GitHub: repository administration sends repository webhooks', { timeout: 60_000 }, () => {
  let sandbox: RunningSandbox;
  let receiver: WebhookReceiver;
  let octokit: Octokit;

  beforeAll(async () => {
    const work = await tempDir('gh2cc-admin-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(sandbox.githubDir, 'adm', [{ name: 'keep', commits: 2, branches: 1 }]);
    receiver = await startWebhookReceiver(() => sandbox.info.github.webhookSecret);
    sandbox.setWebhookUrl(receiver.url);
    octokit = new Octokit({ auth: sandbox.info.github.token, baseUrl: sandbox.info.github.apiUrl });
  });

  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  async function next(event: string, action?: string): Promise<Record<string, unknown>> {
    const found = await receiver.take(event, action);
    expect(found.signatureValid).toBe(true);
    return found.body;
  }

  it('pings the webhook when it is set up', async () => {
    const ping = await next('ping');
    expect(ping).toMatchObject({ hook: { type: 'Organization', active: true } });
  });

  it('creates, renames (keeping the id), edits, archives and deletes, as GitHub answers and notifies', async () => {
    const created = await octokit.rest.repos.createInOrg({
      org: 'adm',
      name: 'fresh',
      description: 'new one',
    });
    expect(created.status).toBe(201);
    assertMatchesGithubSchema('post', '/orgs/{org}/repos', 201, created.data);
    expect(await next('repository', 'created')).toMatchObject({
      repository: { full_name: 'adm/fresh', description: 'new one' },
    });
    await expect(octokit.rest.repos.createInOrg({ org: 'adm', name: 'fresh' })).rejects.toMatchObject({
      status: 422,
    });

    const renamed = await octokit.rest.repos.update({ owner: 'adm', repo: 'fresh', name: 'renamed' });
    assertMatchesGithubSchema('patch', '/repos/{owner}/{repo}', 200, renamed.data);
    expect(renamed.data.id).toBe(created.data.id);
    expect(await next('repository', 'renamed')).toMatchObject({
      changes: { repository: { name: { from: 'fresh' } } },
      repository: { full_name: 'adm/renamed', id: created.data.id },
    });
    await expect(octokit.rest.repos.get({ owner: 'adm', repo: 'fresh' })).rejects.toMatchObject({
      status: 404,
    });

    await octokit.rest.repos.update({ owner: 'adm', repo: 'renamed', description: 'edited' });
    expect(await next('repository', 'edited')).toMatchObject({
      changes: { description: { from: 'new one' } },
    });

    await octokit.rest.repos.update({ owner: 'adm', repo: 'renamed', archived: true });
    expect(await next('repository', 'archived')).toMatchObject({ repository: { archived: true } });
    await expect(
      octokit.rest.repos.update({ owner: 'adm', repo: 'renamed', description: 'no' }),
    ).rejects.toMatchObject({ status: 403 });
    await octokit.rest.repos.update({ owner: 'adm', repo: 'renamed', archived: false });
    await next('repository', 'unarchived');

    await expect(
      octokit.rest.repos.update({ owner: 'adm', repo: 'keep', default_branch: 'no-such-branch' }),
    ).rejects.toMatchObject({ status: 422 });

    const deleted = await octokit.rest.repos.delete({ owner: 'adm', repo: 'renamed' });
    expect(deleted.status).toBe(204);
    expect(await next('repository', 'deleted')).toMatchObject({ repository: { full_name: 'adm/renamed' } });
    await expect(octokit.rest.repos.get({ owner: 'adm', repo: 'renamed' })).rejects.toMatchObject({
      status: 404,
    });
    // The untouched repository is still served.
    expect((await octokit.rest.repos.get({ owner: 'adm', repo: 'keep' })).status).toBe(200);
  });
});
