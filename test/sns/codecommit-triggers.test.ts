import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateRepositoryCommand, GetRepositoryTriggersCommand } from '@aws-sdk/client-codecommit';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { getSourceRepo } from '../../src/github/get-source-repo.ts';
import { createMirrorContext, syncDepsFor } from '../../src/mirror/mirror-context.ts';
import { syncRepo } from '../../src/mirror/sync-repo.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { codecommitClient, commitOnGithub, pushToCodecommit } from '../helpers/mirror-checks.ts';
import { seedOrg } from '../helpers/seed-org.ts';
import { topicWithQueue } from '../helpers/sns-queue.ts';

const execFileAsync = promisify(execFile);
const motoUrl = inject('motoUrl');
const ORG = 'trig-org';
const REPO = 'svc';

type Queue = Awaited<ReturnType<typeof topicWithQueue>>;

interface TriggerRecord {
  awsRegion: string;
  codecommit: { references: { commit: string; ref: string; created?: true; deleted?: true }[] };
  customData: string | null;
  eventName: string;
  eventSourceARN: string;
  eventTriggerName: string;
  eventTriggerConfigId: string;
  userIdentityARN: string;
}

/** The CodeCommit trigger messages the queue holds, waiting (up to 10 s) for at least one to arrive. */
async function triggerMessages(queue: Queue): Promise<{ subject: string; record: TriggerRecord }[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await queue.drain();
    if (got.length > 0 || Date.now() > deadline) {
      return got.map((n) => ({
        subject: n.subject,
        record: (n.message as unknown as { Records: [TriggerRecord] }).Records[0],
      }));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('notify.codecommitTriggers: CodeCommit reports direct pushes to the topic itself', () => {
  let sandbox: RunningSandbox;
  let ours: Queue;
  let theirs: Queue;

  beforeAll(async () => {
    sandbox = await startSandbox({
      dir: await tempDir('gh2cc-triggers-sb-'),
      log: createLogger({ level: 'silent' }),
      snsEndpoint: motoUrl,
    });
    [ours, theirs] = await Promise.all([topicWithQueue(motoUrl), topicWithQueue(motoUrl)]);
    await seedOrg(sandbox.githubDir, ORG, [
      { name: REPO, commits: 3 },
      { name: 'other', commits: 1 },
    ]);
    const env = sandbox.info.env;
    vi.stubEnv('AWS_ACCESS_KEY_ID', env['AWS_ACCESS_KEY_ID']);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', env['AWS_SECRET_ACCESS_KEY']);
    vi.stubEnv('AWS_CONFIG_FILE', '/dev/null');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/dev/null');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    ours.close();
    theirs.close();
    await sandbox.close();
  });

  it("keeps the repository's own trigger, adds gh2cc's, and a plain git push arrives as CodeCommit's message", async () => {
    const cc = sandbox.info.codecommit;
    // The team's repository already exists (empty) with a trigger of its own, set with the AWS CLI.
    await codecommitClient(sandbox.info).send(new CreateRepositoryCommand({ repositoryName: REPO }));
    const teamTrigger = {
      name: 'team-ci',
      destinationArn: theirs.topicArn,
      branches: ['release'],
      events: ['updateReference'],
      customData: 'ci',
    };
    await execFileAsync(
      'aws',
      [
        'codecommit',
        'put-repository-triggers',
        '--endpoint-url',
        cc.endpoint,
        '--repository-name',
        REPO,
        '--triggers',
        JSON.stringify([teamTrigger]),
      ],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '',
          AWS_ACCESS_KEY_ID: cc.accessKeyId,
          AWS_SECRET_ACCESS_KEY: cc.secretAccessKey,
          AWS_DEFAULT_REGION: cc.region,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );

    const ctx = createMirrorContext(
      loadConfig({
        env: {
          ...sandbox.info.env,
          GH2CC_CACHE_DIR: await tempDir('gh2cc-triggers-cache-'),
          GH2CC_RETRIES: '0',
          GH2CC_SNS_TOPIC_ARN: ours.topicArn,
          GH2CC_CODECOMMIT_TRIGGERS: 'true',
        },
      }),
      createLogger({ level: 'silent' }),
    );
    const source = await getSourceRepo(ctx.github, ORG, REPO);
    const result = await syncRepo(source, REPO, syncDepsFor(ctx, { verify: 'refs', wikis: false }), {
      ensure: 'always',
    });
    expect(result.status).toBe('migrated');
    expect(result.warnings).toEqual([]);

    const { triggers } = await codecommitClient(sandbox.info).send(
      new GetRepositoryTriggersCommand({ repositoryName: REPO }),
    );
    expect(triggers).toEqual([
      teamTrigger,
      { name: 'gh2cc-drift', destinationArn: ours.topicArn, events: ['all'], branches: [] },
    ]);

    // gh2cc's own mirror push created main after the trigger was put: CodeCommit reports it like any other.
    const githubRepo = join(sandbox.githubDir, ORG, `${REPO}.git`);
    const tip = (await runGit(githubRepo, ['rev-parse', 'refs/heads/main'])).stdout.trim();
    const mirrored = await triggerMessages(ours);
    expect(mirrored.map((m) => m.record.codecommit.references)).toEqual([
      [{ commit: tip, created: true, ref: 'refs/heads/main' }],
    ]);

    // Someone pushes straight to CodeCommit with plain git.
    const sha = await commitOnGithub(sandbox.githubDir, ORG, REPO, 'made in CodeCommit');
    await pushToCodecommit(sandbox.info, githubRepo, REPO, 'main');

    const direct = await triggerMessages(ours);
    expect(direct).toHaveLength(1);
    const [message] = direct;
    expect(message?.subject).toBe(`UPDATE: AWS CodeCommit ${cc.region} push: ${REPO}`);
    expect(message?.record).toMatchObject({
      awsRegion: cc.region,
      eventName: 'ReferenceChanges',
      eventSourceARN: `arn:aws:codecommit:${cc.region}:123456789012:${REPO}`,
      eventTriggerName: 'gh2cc-drift',
      customData: null,
    });
    expect(message?.record.codecommit.references).toEqual([{ commit: sha, ref: 'refs/heads/main' }]);
    // The team's trigger (updates of release only) fired for neither push; it is published before ours.
    expect(await theirs.drain()).toEqual([]);
  });

  it('a trigger CodeCommit refuses is a warning on the result, never a failed sync', async () => {
    const ctx = createMirrorContext(
      loadConfig({
        env: {
          ...sandbox.info.env,
          GH2CC_CACHE_DIR: await tempDir('gh2cc-triggers-cache-'),
          GH2CC_RETRIES: '0',
          // Triggers can only publish to a topic in the repository's region.
          GH2CC_SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-3:123456789012:elsewhere',
          GH2CC_CODECOMMIT_TRIGGERS: 'true',
        },
      }),
      createLogger({ level: 'silent' }),
    );
    const source = await getSourceRepo(ctx.github, ORG, 'other');
    const result = await syncRepo(source, 'other', syncDepsFor(ctx, { verify: 'refs', wikis: false }), {
      ensure: 'always',
    });
    expect(result.status).toBe('migrated');
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^set CodeCommit trigger gh2cc-drift on other: InvalidRepositoryTriggerRegion.*notify\.snsTopicArn.*not reported$/,
      ),
    ]);
  });
});
