import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateUserCommand, GetGroupCommand, IAMClient, ListGroupsCommand } from '@aws-sdk/client-iam';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { startDaemon, type RunningDaemon } from '../../src/daemon/start-daemon.ts';
import type { OwnerMetadataInput } from '../../src/sandbox/github/owner-metadata.ts';
import { writeOwnerFile } from '../../src/sandbox/github/owner-store.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { startWorkers } from '../../workers/start-workers.ts';
import { acquireRepoLock } from '../../src/queue/repo-lock.ts';
import { tempDir } from '../helpers/git.ts';
import { eventually } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const motoUrl = inject('motoUrl');
const redisUrl = inject('redisUrl');
const ORG = 'iam-daemon-org';
const SECRET = 'iam-daemon-webhook-secret';

function meta(members: string[]): OwnerMetadataInput {
  return {
    type: 'Organization',
    members: members.map((login) => ({ login })),
    teams: [{ slug: 'builders', members: members.map((login) => ({ login })), repos: { app: 'push' } }],
  };
}

describe('the daemon’s IAM reconcile job', () => {
  let sandbox: RunningSandbox;
  let daemon: RunningDaemon;
  let iam: IAMClient;

  beforeAll(async () => {
    const work = await tempDir('gh2cc-iam-daemon-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(sandbox.githubDir, ORG, [{ name: 'app', commits: 1 }]);
    await writeOwnerFile(sandbox.githubDir, ORG, meta(['ann']));
    const userMap = join(work, 'users.yaml');
    await writeFile(userMap, 'users:\n  ann: { iamUser: ann-d }\n  ben: { iamUser: ben-d }\n');
    iam = new IAMClient({
      region: 'us-east-1',
      endpoint: motoUrl,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    });
    for (const u of ['ann-d', 'ben-d']) await iam.send(new CreateUserCommand({ UserName: u }));
    const env = {
      ...sandbox.info.env,
      GH2CC_ORG: ORG,
      GH2CC_IAM_USER_MAP: userMap,
      AWS_ENDPOINT_URL_IAM: motoUrl,
      AWS_ENDPOINT_URL_STS: motoUrl,
      REDIS_URL: redisUrl,
      GH2CC_REDIS_PREFIX: `{iam${randomUUID().slice(0, 8)}}`,
      GH2CC_CACHE_DIR: join(work, 'cache'),
      GH2CC_WEBHOOK_SECRET: SECRET,
      GH2CC_PORT: '0',
      GH2CC_HOST: '127.0.0.1',
    };
    // In-process: the AWS SDK's default chain reads the process environment, as it does in `gh2cc daemon`.
    process.env['AWS_ACCESS_KEY_ID'] = sandbox.info.codecommit.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = sandbox.info.codecommit.secretAccessKey;
    daemon = await startDaemon({
      config: loadConfig({ env }),
      log: createLogger({ level: process.env['DEBUG_IAM'] === undefined ? 'silent' : 'debug' }),
      redisUrl,
      lockDurationMs: 30_000,
      parts: { worker: true, schedules: false, http: true },
      startWorkers: (ctx, queues, observer) =>
        startWorkers(ctx, queues, { redisUrl, cluster: false, queues: ['iam'], concurrency: 1, observer }),
    });
  }, 60_000);

  afterAll(async () => {
    await daemon?.close(0);
    iam?.destroy();
    await sandbox?.close();
  });

  async function deliverTeamEvent(): Promise<number> {
    const body = JSON.stringify({
      action: 'added_to_repository',
      team: { slug: 'builders', name: 'builders' },
      organization: { login: ORG },
      sender: { login: 'ann' },
    });
    const res = await fetch(`${daemon.url ?? ''}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'team',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': await sign(SECRET, body),
      },
      body,
    });
    return res.status;
  }

  async function builders(): Promise<string[] | undefined> {
    const groups = (await iam.send(new ListGroupsCommand({ PathPrefix: `/gh2cc/${ORG}/` }))).Groups ?? [];
    const g = groups.find((x) => x.GroupName === `gh2cc-${ORG}-builders`);
    if (g === undefined) return undefined;
    const users = (await iam.send(new GetGroupCommand({ GroupName: g.GroupName }))).Users ?? [];
    return users.map((u) => u.UserName ?? '').sort();
  }

  it('a team webhook makes IAM follow GitHub: group created, then a new member added', async () => {
    expect(await deliverTeamEvent()).toBe(202);
    await eventually(
      async () => (await builders())?.join(',') === 'ann-d',
      60_000,
      'builders group with ann-d',
    );

    await writeOwnerFile(sandbox.githubDir, ORG, meta(['ann', 'ben']));
    expect(await deliverTeamEvent()).toBe(202);
    await eventually(async () => (await builders())?.join(',') === 'ann-d,ben-d', 60_000, 'ben-d added');
  }, 150_000);

  it('a job that finds another worker reconciling IAM runs after it, not ends as done', async () => {
    // Another worker's reconcile, as far as this one can tell: the org's IAM lock, held.
    const lock = await acquireRepoLock(daemon.ctx.redis, daemon.ctx.prefix, `iam:${ORG}`, 30_000);
    expect(lock).toBeDefined();
    await writeOwnerFile(sandbox.githubDir, ORG, meta(['ann']));
    const completedBefore = await daemon.queues.iam.getCompletedCount();
    try {
      expect(await deliverTeamEvent()).toBe(202);
      await eventually(
        async () => (await daemon.queues.iam.getDelayedCount()) > 0,
        30_000,
        'the job waiting',
      );
      expect(await daemon.queues.iam.getCompletedCount()).toBe(completedBefore);
    } finally {
      await lock?.release();
    }
    await eventually(async () => (await builders())?.join(',') === 'ann-d', 60_000, 'ben-d removed');
  }, 150_000);

  it('a member removed on GitHub leaves the IAM group, the change delivered while a reconcile runs', async () => {
    // The first delivery's reconcile is caught running; the second comes while it does.
    expect(await deliverTeamEvent()).toBe(202);
    await eventually(
      async () => (await daemon.queues.iam.getActiveCount()) > 0,
      30_000,
      'an IAM job running',
    );
    await writeOwnerFile(sandbox.githubDir, ORG, meta(['ben']));
    expect(await deliverTeamEvent()).toBe(202);
    await eventually(async () => (await builders())?.join(',') === 'ben-d', 60_000, 'ann-d removed');
  }, 150_000);
});
