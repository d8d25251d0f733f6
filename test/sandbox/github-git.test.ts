import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/git-runner.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { gitWithHelper, lsRemote, makeRepo, tempDir } from '../helpers/git.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

describe('sandbox GitHub git endpoint and webhooks', () => {
  let sandbox: RunningSandbox;
  let receiver: WebhookReceiver;
  let tokenHelper: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(() => sandbox.info.github.webhookSecret);
    sandbox = await startSandbox({
      dir: await tempDir('gh2cc-gh-'),
      log: createLogger({ level: 'silent' }),
      webhookUrl: receiver.url,
    });
    tokenHelper = `!f() { echo username=x-access-token; echo password=${sandbox.info.github.token}; }; f`;
    const src = await makeRepo(2, (s, tips) => s.ref('refs/pull/7/head', tips[0] ?? 1));
    await mkdir(join(sandbox.githubDir, 'acme'), { recursive: true });
    await runGit(sandbox.githubDir, ['clone', '--bare', '--quiet', src, join('acme', 'tools.git')]);
    await runGit(src, [
      'push',
      '--quiet',
      join(sandbox.githubDir, 'acme', 'tools.git'),
      'refs/pull/7/head:refs/pull/7/head',
    ]);
  });

  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });

  const gitUrl = (): string => `${sandbox.info.github.apiUrl.replace(/\/api\/v3$/, '')}/acme/tools.git`;

  it('serves clone and ls-remote with the token, refs/pull/* included as on GitHub', async () => {
    const refs = await lsRemote(sandbox.dir, gitUrl(), tokenHelper);
    expect([...refs.keys()].sort()).toEqual(['refs/heads/main', 'refs/pull/7/head']);
    const work = await tempDir();
    const clone = await gitWithHelper(work, tokenHelper, ['clone', '--quiet', gitUrl(), 'w']);
    expect(clone.code).toBe(0);
  });

  it('answers 401 without a token or with a wrong one', async () => {
    const res = await fetch(`${gitUrl()}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    const bad = await fetch(`${gitUrl()}/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from('x-access-token:nope').toString('base64')}` },
    });
    expect(bad.status).toBe(401);
    const work = await tempDir();
    const clone = await gitWithHelper(work, '!f() { echo username=x; echo password=wrong; }; f', [
      'clone',
      gitUrl(),
      'w',
    ]);
    expect(clone.code).not.toBe(0);
  });

  it('sends signed push and create webhooks for an accepted push, and refuses refs/pull/* pushes', async () => {
    const work = await tempDir();
    await gitWithHelper(work, tokenHelper, ['clone', '--quiet', gitUrl(), 'w']);
    const w = join(work, 'w');
    await runGit(w, [
      '-c',
      'user.email=a@b.c',
      '-c',
      'user.name=A',
      'commit',
      '--allow-empty',
      '-q',
      '-m',
      'new work',
    ]);
    const push = await gitWithHelper(w, tokenHelper, ['push', 'origin', 'HEAD:refs/heads/feature/x']);
    expect(push.code).toBe(0);
    // The ping sent when the webhook was set up may come first.
    const pushEvent = await receiver.take('push');
    const createEvent = await receiver.take('create');
    expect(pushEvent?.signatureValid).toBe(true);
    expect(pushEvent?.body['ref']).toBe('refs/heads/feature/x');
    expect(pushEvent?.body['created']).toBe(true);
    expect((pushEvent?.body['repository'] as { full_name: string }).full_name).toBe('acme/tools');
    expect(createEvent?.body['ref']).toBe('feature/x');
    expect(createEvent?.body['ref_type']).toBe('branch');

    const denied = await gitWithHelper(w, tokenHelper, ['push', 'origin', 'HEAD:refs/pull/8/head']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('deny updating a hidden ref');
  });
});
