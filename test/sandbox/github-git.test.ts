import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/git-runner.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { gitWithHelper, lsRemote, makeRepo, tempDir } from '../helpers/git.ts';

interface Received {
  event: string;
  delivery: string;
  signatureValid: boolean;
  body: Record<string, unknown>;
}

describe('sandbox GitHub git endpoint and webhooks', () => {
  let sandbox: RunningSandbox;
  let receiver: Server;
  const received: Received[] = [];
  let waiters: (() => void)[] = [];
  let tokenHelper: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        void verify(sandbox.info.github.webhookSecret, body, String(req.headers['x-hub-signature-256'])).then(
          (ok) => {
            received.push({
              event: String(req.headers['x-github-event']),
              delivery: String(req.headers['x-github-delivery']),
              signatureValid: ok,
              body: JSON.parse(body) as Record<string, unknown>,
            });
            res.writeHead(204).end();
            for (const w of waiters) w();
            waiters = [];
          },
        );
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    sandbox = await startSandbox({
      dir: await tempDir('gh2cc-gh-'),
      log: createLogger({ level: 'silent' }),
      webhookUrl: `http://127.0.0.1:${port}/webhooks/github`,
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
    await new Promise((r) => receiver.close(r));
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
    const arrived = new Promise<void>((r) => waiters.push(r));
    const push = await gitWithHelper(w, tokenHelper, ['push', 'origin', 'HEAD:refs/heads/feature/x']);
    expect(push.code).toBe(0);
    await arrived;
    // The ping sent when the webhook was set up may be among them.
    const has = (event: string): boolean => received.some((r) => r.event === event);
    while (!has('push') || !has('create')) await new Promise<void>((r) => waiters.push(r));
    const pushEvent = received.find((r) => r.event === 'push');
    const createEvent = received.find((r) => r.event === 'create');
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
