import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  GetRepositoryCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDefaultBranchCommand,
  UpdateRepositoryDescriptionCommand,
} from '@aws-sdk/client-codecommit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stableId } from '../../src/sandbox/github/stable-id.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import type { RepoState } from '../../src/state/repo-state.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import {
  bothSides,
  codecommitClient,
  codecommitTags,
  commitOnGithub,
  fetchFromCodecommit,
  pushToCodecommit,
  sameRefs,
  writeOwnerFile,
} from '../helpers/mirror-checks.ts';
import { eventually, gh2cc, type RunningProcess } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { topicWithQueue, type ReceivedNotification } from '../helpers/sns-queue.ts';

const redisUrl = inject('redisUrl');
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
const validNotification = ajv.compile(
  JSON.parse(readFileSync('schemas/notification.v1.schema.json', 'utf8')) as object,
);
const ORG = 'dorg';

const validStatus = ajv.compile(JSON.parse(readFileSync('schemas/status.v1.schema.json', 'utf8')) as object);

/** `gh2cc status --json`, checked against its published schema with the states a real daemon keeps. */
async function statusJson(env: Record<string, string>): Promise<RepoState[]> {
  const p = gh2cc(['status', '--json'], env);
  await p.exited;
  const out = JSON.parse(p.stdout()) as { repos: RepoState[] };
  expect(validStatus(out), ajv.errorsText(validStatus.errors)).toBe(true);
  return out.repos;
}

describe(
  'gh2cc daemon keeps an org mirrored with no webhook (scheduled reconcile)',
  { timeout: 240_000 },
  () => {
    let sandbox: RunningSandbox;
    let env: Record<string, string>;
    let daemon: RunningProcess;
    let topic: Awaited<ReturnType<typeof topicWithQueue>>;

    beforeAll(async () => {
      const work = await tempDir('gh2cc-daemon-');
      sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
      await seedOrg(sandbox.githubDir, ORG, [
        { name: 'alpha', commits: 5, branches: 1, tags: 2 },
        { name: 'beta', commits: 4, tags: 1 },
        { name: 'gamma', commits: 3 },
        { name: 'delta', commits: 2, pulls: 1 },
      ]);
      topic = await topicWithQueue(inject('motoUrl'));
      env = {
        ...sandbox.info.env,
        GH2CC_SNS_TOPIC_ARN: topic.topicArn,
        AWS_ENDPOINT_URL_SNS: inject('motoUrl'),
        GH2CC_ORG: ORG,
        REDIS_URL: redisUrl,
        GH2CC_REDIS_PREFIX: `{d${randomBytes(4).toString('hex')}}`,
        GH2CC_CACHE_DIR: join(work, 'cache'),
        GH2CC_RECONCILE_EVERY: '2s',
        GH2CC_DRIFT_EVERY: '2s',
        GH2CC_PORT: '0',
        GH2CC_HOST: '127.0.0.1',
      };
      // gamma's diverged refs are overwritten (after a backup); every other repository's are only reported.
      const configFile = join(work, 'gh2cc.yaml');
      await writeFile(
        configFile,
        'mirror:\n  onDivergenceFor:\n    gamma: overwrite\nnotify:\n  secretScan: true\n',
      );
      daemon = gh2cc(['daemon', '--config', configFile], env);
    });

    afterAll(async () => {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
      topic.close();
      await sandbox.close();
    });

    it('mirrors every repository, then brings a new commit across within a reconcile interval', async () => {
      const names = ['alpha', 'beta', 'gamma', 'delta'];
      await eventually(
        async () => {
          for (const n of names) {
            const s = await bothSides(sandbox.info, sandbox.githubDir, ORG, n, n);
            if (!sameRefs(s.github, s.codecommit)) return false;
          }
          return true;
        },
        60_000,
        `the first sync of ${names.join(', ')}`,
      );
      const sha = await commitOnGithub(
        sandbox.githubDir,
        ORG,
        'alpha',
        'pushed while no webhook is configured',
      );
      const pushedAt = Date.now();
      await eventually(
        async () =>
          (await bothSides(sandbox.info, sandbox.githubDir, ORG, 'alpha', 'alpha')).codecommit?.get(
            'refs/heads/main',
          ) === sha,
        20_000,
        'the new commit on CodeCommit',
      );
      // GitHub's refs/pull/* never reach CodeCommit.
      const delta = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'delta', 'delta');
      expect([...(delta.codecommit?.keys() ?? [])].some((r) => r.startsWith('refs/pull/'))).toBe(false);
      console.log(
        `commit reached CodeCommit ${Date.now() - pushedAt} ms after the push (reconcile every 2 s)`,
      );
      // A push this recent gets one more (empty) sync from the next reconcile (see settledPushedAt), so the
      // states settle to ok shortly after.
      const settled = names.map((n) => [`${ORG}/${n}`, 'ok']).sort();
      let status = await statusJson(env);
      await eventually(
        async () => {
          status = await statusJson(env);
          return JSON.stringify(status.map((s) => [s.repo, s.state])) === JSON.stringify(settled);
        },
        20_000,
        'every repository ok',
      );
      expect(status.find((s) => s.repo === `${ORG}/alpha`)?.heads?.codecommit).toBe(sha);
    });

    it('reports a branch created directly in CodeCommit as drift within a drift interval, and leaves it alone', async () => {
      const bare = join(sandbox.githubDir, ORG, 'alpha.git');
      const sha =
        (await bothSides(sandbox.info, sandbox.githubDir, ORG, 'alpha', 'alpha')).github.get(
          'refs/heads/main',
        ) ?? '';
      await pushToCodecommit(sandbox.info, bare, 'alpha', `${sha}:refs/heads/rogue`);
      await eventually(
        async () => (await statusJson(env)).find((s) => s.repo === `${ORG}/alpha`)?.state === 'diverged',
        20_000,
        'alpha marked diverged',
      );
      const alpha = (await statusJson(env)).find((s) => s.repo === `${ORG}/alpha`);
      expect(alpha?.divergentRefs).toEqual(['refs/heads/rogue']);
      expect(alpha?.drift).toEqual([{ ref: 'refs/heads/rogue', github: null, codecommit: sha }]);
      const sides = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'alpha', 'alpha');
      expect(sides.codecommit?.get('refs/heads/rogue')).toBe(sha);
      expect(sides.github.has('refs/heads/rogue')).toBe(false);

      // One message on the SNS topic for the drift, however many drift checks (every 2 s) see it again.
      const started = Date.now();
      const received: ReceivedNotification[] = [];
      await eventually(
        async () => {
          received.push(...(await topic.drain()));
          return received.some((n) => n.message.eventType === 'drift-found') && Date.now() - started > 7000;
        },
        30_000,
        'the drift message and three more drift checks',
      );
      // (The commit of the test before also told build systems of a default-branch push: not drift.)
      const found = received.filter(
        (n) => n.message.repository === `${ORG}/alpha` && n.message.eventType.startsWith('drift'),
      );
      expect(found.map((n) => n.message.eventType)).toEqual(['drift-found']);
      expect(found[0]?.attributes).toMatchObject({ eventType: 'drift-found', repository: `${ORG}/alpha` });
      expect(found[0]?.message.details['added']).toEqual(['refs/heads/rogue']);
      const validate = new Ajv2020({ strict: true, allErrors: true });
      addFormats.default(validate);
      const schema = JSON.parse(await readFile('schemas/notification.v1.schema.json', 'utf8')) as object;
      expect(validate.validate(schema, found[0]?.message), validate.errorsText()).toBe(true);

      // Someone removes the rogue branch: one message saying the drift is resolved.
      await pushToCodecommit(sandbox.info, bare, 'alpha', ':refs/heads/rogue');
      const after: ReceivedNotification[] = [];
      await eventually(
        async () => {
          after.push(...(await topic.drain()));
          return after.some((n) => n.message.eventType === 'drift-resolved');
        },
        30_000,
        'the drift-resolved message',
      );
      await new Promise((r) => setTimeout(r, 5000));
      after.push(...(await topic.drain()));
      expect(
        after
          .filter((n) => n.message.repository === `${ORG}/alpha` && n.message.eventType.startsWith('drift'))
          .map((n) => n.message.eventType),
      ).toEqual(['drift-resolved']);

      // Diverged again, for the metrics test below (gh2cc_repos_in_drift).
      await pushToCodecommit(sandbox.info, bare, 'alpha', `${sha}:refs/heads/rogue`);
      await eventually(
        async () => (await statusJson(env)).find((s) => s.repo === `${ORG}/alpha`)?.state === 'diverged',
        20_000,
        'alpha diverged again',
      );
    });

    it('keeps what a GitHub force-push or branch deletion replaces under backup refs, and tells of the deletion', async () => {
      const bare = join(sandbox.githubDir, ORG, 'alpha.git');
      const before = (await bothSides(sandbox.info, sandbox.githubDir, ORG, 'alpha', 'alpha')).github;
      const oldMain = before.get('refs/heads/main') ?? '';
      const oldTopic = before.get('refs/heads/topic-0') ?? '';
      expect(oldTopic).toMatch(/^[0-9a-f]{40}$/);
      await topic.drain();
      // A force-push (main back to its parent) and a branch deletion, straight in GitHub's repository.
      const parent = (await runGit(bare, ['rev-parse', 'refs/heads/main~1'])).stdout.trim();
      await runGit(bare, ['update-ref', 'refs/heads/main', parent]);
      await runGit(bare, ['update-ref', '-d', 'refs/heads/topic-0']);
      let sides = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'alpha', 'alpha');
      await eventually(
        async () => {
          sides = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'alpha', 'alpha');
          const cc = sides.codecommit;
          return cc?.get('refs/heads/main') === parent && cc.has('refs/heads/topic-0') === false;
        },
        20_000,
        'the force-push and the deletion on CodeCommit',
      );
      const backups = [...sides.backups];
      expect(backups.find(([ref]) => ref.endsWith('/heads/main'))?.[1]).toBe(oldMain);
      const topicBackup = backups.find(([ref]) => ref.endsWith('/heads/topic-0'));
      expect(topicBackup?.[1]).toBe(oldTopic);
      const received: ReceivedNotification[] = [];
      await eventually(
        async () => {
          received.push(...(await topic.drain()));
          // Two messages, which one receive may or may not bring together.
          const types = received.map((n) => n.message.eventType);
          return types.includes('branch-deleted') && types.includes('default-branch-pushed');
        },
        10_000,
        'the branch-deleted and default-branch-pushed messages',
      );
      const deleted = received.filter((n) => n.message.eventType === 'branch-deleted');
      expect(deleted).toHaveLength(1);
      expect(deleted[0]?.attributes).toMatchObject({
        eventType: 'branch-deleted',
        repository: `${ORG}/alpha`,
      });
      expect(deleted[0]?.message.details).toMatchObject({
        ref: 'refs/heads/topic-0',
        sha: oldTopic,
        backup: topicBackup?.[0],
      });
      const pushed = received.find((n) => n.message.eventType === 'default-branch-pushed');
      expect(pushed?.message.details).toMatchObject({ ref: 'refs/heads/main', from: oldMain, sha: parent });
      for (const n of received)
        expect(validNotification(n.message), ajv.errorsText(validNotification.errors)).toBe(true);
    });

    it("under onDivergence: overwrite, makes a ref pushed directly to CodeCommit GitHub's again, keeping the old tip", async () => {
      // gamma is configured `overwrite` (the daemon's config file); a commit pushed straight to CodeCommit.
      const work = await tempDir('gh2cc-rogue-');
      await runGit(work, ['clone', '--quiet', join(sandbox.githubDir, ORG, 'gamma.git'), 'w']);
      const dir = join(work, 'w');
      const ident = ['-c', 'user.name=rogue', '-c', 'user.email=rogue@example.com'];
      await runGit(dir, [...ident, 'commit', '--quiet', '--allow-empty', '-m', 'made in CodeCommit']);
      const rogue = (await runGit(dir, ['rev-parse', 'HEAD'])).stdout.trim();
      const githubMain = (await runGit(dir, ['rev-parse', 'HEAD~1'])).stdout.trim();
      await topic.drain();
      await pushToCodecommit(sandbox.info, dir, 'gamma', `${rogue}:refs/heads/main`);
      let sides = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'gamma', 'gamma');
      await eventually(
        async () => {
          sides = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'gamma', 'gamma');
          return sides.codecommit?.get('refs/heads/main') === githubMain;
        },
        20_000,
        "gamma's main overwritten with GitHub's",
      );
      expect(sameRefs(sides.github, sides.codecommit)).toBe(true);
      const backup = [...sides.backups][0];
      expect(backup?.[1]).toBe(rogue);
      // The old tip is reachable from the backup with plain git.
      const check = await tempDir('gh2cc-restore-');
      await runGit(check, ['init', '--quiet', '--bare']);
      await fetchFromCodecommit(sandbox.info, check, 'gamma', `${backup?.[0] ?? ''}:refs/heads/restored`);
      expect((await runGit(check, ['rev-parse', 'refs/heads/restored'])).stdout.trim()).toBe(rogue);
      // One drift message, saying what was overwritten and where the old tip is; none more on later cycles.
      await new Promise((r) => setTimeout(r, 5000));
      const drift = (await topic.drain()).filter(
        (n) => n.message.repository === `${ORG}/gamma` && n.message.eventType.startsWith('drift'),
      );
      expect(drift.map((n) => n.message.eventType)).toEqual(['drift-found']);
      expect(drift[0]?.message.details).toMatchObject({
        resolution: 'overwritten',
        refs: [{ ref: 'refs/heads/main', github: githubMain, codecommit: rogue, backup: backup?.[0] }],
      });
      expect(validNotification(drift[0]?.message), ajv.errorsText(validNotification.errors)).toBe(true);
      // The state (gh2cc status, the status page) keeps the backup for operators.
      const gamma = (await statusJson(env)).find((st) => st.repo === `${ORG}/gamma`);
      expect(gamma?.backups).toMatchObject([
        { ref: backup?.[0], original: 'refs/heads/main', sha: rogue, reason: 'overwritten' },
      ]);
    });

    it('tells of an AWS key committed on GitHub (secret-detected) without the key in the message or the log', async () => {
      // Made here, so no real-looking key is ever committed to gh2cc's own repository.
      const pick = (n: number, chars: string): string =>
        Array.from(randomBytes(n), (b) => chars[b % chars.length]).join('');
      const keyId = `AKIA${pick(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
      const secret = pick(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
      await topic.drain();
      const sha = await commitOnGithub(
        sandbox.githubDir,
        ORG,
        'alpha',
        `aws_access_key_id=${keyId}\naws_secret_access_key=${secret}`,
      );
      const told: ReceivedNotification[] = [];
      await eventually(
        async () => {
          told.push(...(await topic.drain()));
          return told.some((n) => n.message.eventType === 'secret-detected');
        },
        20_000,
        'the secret-detected message',
      );
      const found = told.filter((n) => n.message.eventType === 'secret-detected');
      expect(found).toHaveLength(1);
      expect(found[0]?.attributes).toMatchObject({ eventType: 'secret-detected', severity: 'critical' });
      expect(found[0]?.message.details['findings']).toMatchObject([
        {
          commit: sha,
          path: expect.stringMatching(/^change-.*\.txt$/) as string,
          rule: expect.stringMatching(/aws/) as string,
        },
      ]);
      expect(validNotification(found[0]?.message), ajv.errorsText(validNotification.errors)).toBe(true);
      const published = JSON.stringify(found);
      const logs = `${daemon.stdout()}${daemon.stderr()}`;
      for (const piece of [secret, secret.slice(0, 12), secret.slice(-12), keyId]) {
        expect(published).not.toContain(piece);
        expect(logs).not.toContain(piece);
      }
    });

    it('creates again a CodeCommit repository deleted outside gh2cc (nothing changed on GitHub), and tells of it once', async () => {
      await topic.drain();
      const before = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'beta', 'beta');
      expect(sameRefs(before.github, before.codecommit)).toBe(true);
      await codecommitClient(sandbox.info).send(new DeleteRepositoryCommand({ repositoryName: 'beta' }));
      // Only the drift check can see it: GitHub has not changed, so no reconcile or webhook asks for a sync.
      await eventually(
        async () => {
          const s = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'beta', 'beta');
          return s.codecommit !== undefined && sameRefs(s.github, s.codecommit);
        },
        30_000,
        'beta created again on CodeCommit with all its refs',
      );
      const received: ReceivedNotification[] = [];
      await eventually(
        async () => {
          received.push(...(await topic.drain()));
          return received.some((n) => n.message.details['missingRepository'] === true);
        },
        10_000,
        'the missing-repository message',
      );
      // Later drift checks (every 2 s) find beta whole again: nothing more about it.
      await new Promise((r) => setTimeout(r, 5000));
      received.push(...(await topic.drain()));
      const aboutBeta = received.filter(
        (n) => n.message.repository === `${ORG}/beta` && n.message.eventType.startsWith('drift'),
      );
      expect(aboutBeta).toHaveLength(1);
      expect(aboutBeta[0]?.attributes).toMatchObject({ eventType: 'drift-found', severity: 'critical' });
      expect(aboutBeta[0]?.message.details).toMatchObject({
        target: 'beta',
        missingRepository: true,
        refsPushed: before.github.size,
      });
      for (const n of received)
        expect(validNotification(n.message), ajv.errorsText(validNotification.errors)).toBe(true);
      expect((await statusJson(env)).find((s) => s.repo === `${ORG}/beta`)?.state).toBe('ok');
    });

    it('puts back CodeCommit settings changed outside gh2cc (default branch, description, tags) and tells of it once', async () => {
      // A second branch on both sides, for CodeCommit's default branch to be moved to.
      const bare = join(sandbox.githubDir, ORG, 'beta.git');
      await runGit(bare, ['update-ref', 'refs/heads/side', 'refs/heads/main']);
      expect(await gh2cc(['sync', `${ORG}/beta`, '--wait'], env).exited).toBe(0);
      await topic.drain();
      const cc = codecommitClient(sandbox.info);
      const meta = async () =>
        (await cc.send(new GetRepositoryCommand({ repositoryName: 'beta' }))).repositoryMetadata;
      const before = await meta();
      const tagsBefore = (await codecommitTags(cc, 'beta')) ?? {};
      expect(before?.defaultBranch).toBe('main');
      expect(tagsBefore['gh2cc:visibility']).toBeDefined();
      // Someone edits the repository in the CodeCommit console; nothing changes on GitHub.
      await cc.send(new UpdateDefaultBranchCommand({ repositoryName: 'beta', defaultBranchName: 'side' }));
      await cc.send(
        new UpdateRepositoryDescriptionCommand({
          repositoryName: 'beta',
          repositoryDescription: 'edited by hand',
        }),
      );
      await cc.send(
        new TagResourceCommand({ resourceArn: before?.Arn ?? '', tags: { 'github-topic:stray': '' } }),
      );
      await cc.send(
        new UntagResourceCommand({ resourceArn: before?.Arn ?? '', tagKeys: ['gh2cc:visibility'] }),
      );
      await eventually(
        async () => {
          const m = await meta();
          return (
            m?.defaultBranch === 'main' &&
            (m.repositoryDescription ?? '') === (before?.repositoryDescription ?? '') &&
            JSON.stringify(await codecommitTags(cc, 'beta')) === JSON.stringify(tagsBefore)
          );
        },
        30_000,
        "beta's default branch, description and tags as GitHub's settings give them again",
      );
      const received: ReceivedNotification[] = [];
      const aboutBeta = () =>
        received.filter(
          (n) => n.message.repository === `${ORG}/beta` && n.message.eventType.startsWith('drift'),
        );
      const told = () =>
        [
          ...new Set(
            aboutBeta().flatMap((n) =>
              ((n.message.details['settings'] ?? []) as { setting: string; key?: string }[]).map(
                (d) => d.key ?? d.setting,
              ),
            ),
          ),
        ].sort();
      // Four edits one after another: a drift check (every 2 s) may fall between them, so they may come in
      // more than one message.
      await eventually(
        async () => {
          received.push(...(await topic.drain()));
          return told().length === 4;
        },
        10_000,
        'the settings-drift messages',
      );
      expect(told()).toEqual(['default-branch', 'description', 'gh2cc:visibility', 'github-topic:stray']);
      for (const n of aboutBeta())
        expect(n.attributes).toMatchObject({ eventType: 'drift-found', severity: 'warning' });
      // Put back: later drift checks (every 2 s) find the settings right, and say nothing more.
      const settled = aboutBeta().length;
      await new Promise((r) => setTimeout(r, 5000));
      received.push(...(await topic.drain()));
      expect(aboutBeta()).toHaveLength(settled);
      for (const n of received)
        expect(validNotification(n.message), ajv.errorsText(validNotification.errors)).toBe(true);
      // The branches were never touched.
      const sides = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'beta', 'beta');
      expect(sameRefs(sides.github, sides.codecommit)).toBe(true);
      expect((await statusJson(env)).find((s) => s.repo === `${ORG}/beta`)?.state).toBe('ok');
    });

    it('gives up on a repository CodeCommit keeps failing within one drift check, not after a sync’s minute of retries (the lock it holds would starve the sync)', async () => {
      const seen = (): number =>
        daemon
          .stderr()
          .split('\n')
          .filter(
            (l) => l.includes('"repo":"dorg/delta"') && l.includes('drift check of one repository failed'),
          ).length;
      const before = seen();
      sandbox.setFaults([
        {
          side: 'codecommit',
          kind: 'server-error',
          match: { git: true, path: '/v1/repos/delta' },
          count: 1000,
        },
      ]);
      try {
        // Drift checks run every 2 s; with a sync’s five retries (1, 2, 4, 8, 16 s, each ×1–2) one check of
        // delta would take over 30 s.
        await eventually(() => seen() > before, 20_000, 'the drift check to give up on delta');
      } finally {
        sandbox.clearFaults();
      }
    });

    it("follows a default-branch, description and topic change on GitHub with no webhook (the reconcile's `edited`)", async () => {
      const bare = join(sandbox.githubDir, ORG, 'alpha.git');
      const main = (await runGit(bare, ['rev-parse', 'refs/heads/main'])).stdout.trim();
      await runGit(bare, ['update-ref', 'refs/heads/dev', main]);
      await runGit(bare, ['symbolic-ref', 'HEAD', 'refs/heads/dev']);
      await writeOwnerFile(sandbox.githubDir, ORG, {
        alpha: { description: 'Edited on GitHub', topics: ['edited'] },
      });
      const cc = codecommitClient(sandbox.info);
      const meta = async () =>
        (await cc.send(new GetRepositoryCommand({ repositoryName: 'alpha' }))).repositoryMetadata;
      await eventually(
        async () => {
          const m = await meta();
          const tags = await codecommitTags(cc, 'alpha');
          return (
            m?.defaultBranch === 'dev' &&
            m.repositoryDescription === 'Edited on GitHub' &&
            tags?.['github-topic:edited'] !== undefined
          );
        },
        20_000,
        "CodeCommit's default branch, description and topic tags following GitHub's",
      );
      const alpha = (await statusJson(env)).find((s) => s.repo === `${ORG}/alpha`);
      expect(alpha?.defaultBranch).toBe('dev');
      expect(alpha?.description).toBe('Edited on GitHub');
    });

    it('follows repositories created, renamed, archived and deleted on GitHub; deletes nothing in CodeCommit', async () => {
      await topic.drain();
      await seedOrg(sandbox.githubDir, ORG, [{ name: 'epsilon', commits: 2 }]);
      await rename(
        join(sandbox.githubDir, ORG, 'beta.git'),
        join(sandbox.githubDir, ORG, 'beta-renamed.git'),
      );
      await writeOwnerFile(sandbox.githubDir, ORG, {
        // GitHub keeps a repository's id across a rename; the sandbox is told to do the same.
        'beta-renamed': { id: stableId('repo', ORG, 'beta') },
        gamma: { archived: true },
      });
      await rm(join(sandbox.githubDir, ORG, 'delta.git'), { recursive: true, force: true });
      const cc = codecommitClient(sandbox.info);
      await eventually(
        async () => {
          const [epsilon, renamed, gamma, delta, oldBeta] = await Promise.all([
            bothSides(sandbox.info, sandbox.githubDir, ORG, 'epsilon', 'epsilon'),
            bothSides(sandbox.info, sandbox.githubDir, ORG, 'beta-renamed', 'beta-renamed'),
            codecommitTags(cc, 'gamma'),
            codecommitTags(cc, 'delta'),
            codecommitTags(cc, 'beta'),
          ]);
          return (
            sameRefs(epsilon.github, epsilon.codecommit) &&
            sameRefs(renamed.github, renamed.codecommit) &&
            oldBeta === undefined &&
            gamma?.['gh2cc:archived'] === 'true' &&
            delta?.['gh2cc:mirror-stopped'] !== undefined
          );
        },
        40_000,
        'epsilon mirrored, beta renamed, gamma tagged archived, delta tagged stopped',
      );
      const renamedTags = await codecommitTags(cc, 'beta-renamed');
      expect(renamedTags?.['gh2cc:source']).toContain('beta-renamed');
      // The deleted repository's data is still there.
      const delta = await bothSides(sandbox.info, sandbox.githubDir, ORG, 'alpha', 'delta');
      expect(delta.codecommit?.get('refs/heads/main')).toMatch(/^[0-9a-f]{40}$/);
      // epsilon's push is recent: the next reconcile gives it one more (empty) sync, then it settles to ok.
      let byRepo = new Map<string, RepoState>();
      await eventually(
        async () => {
          byRepo = new Map((await statusJson(env)).map((s) => [s.repo, s]));
          return (
            byRepo.get(`${ORG}/epsilon`)?.state === 'ok' && byRepo.get(`${ORG}/gamma`)?.state === 'archived'
          );
        },
        20_000,
        'epsilon ok and gamma archived in gh2cc status',
      );
      expect(byRepo.get(`${ORG}/delta`)?.state).toBe('stopped');
      expect(byRepo.get(`${ORG}/delta`)?.stoppedReason).toMatch(/deleted or transferred/);
      expect(byRepo.has(`${ORG}/beta`)).toBe(false);
      expect(byRepo.get(`${ORG}/beta-renamed`)?.target).toBe('beta-renamed');
      expect(byRepo.get(`${ORG}/gamma`)?.state).toBe('archived');
      expect(byRepo.get(`${ORG}/epsilon`)?.state).toBe('ok');
      // Each change told once on the topic, for people and build systems that follow the org.
      const told: ReceivedNotification[] = [];
      const expected = [
        `repo-created ${ORG}/epsilon`,
        `repo-renamed ${ORG}/beta-renamed`,
        `repo-archived ${ORG}/gamma`,
        `repo-deleted ${ORG}/delta`,
      ];
      const lines = (): string[] =>
        told
          .map((n) => `${n.message.eventType} ${n.message.repository ?? ''}`)
          .filter((l) => l.startsWith('repo-'));
      await eventually(
        async () => {
          told.push(...(await topic.drain()));
          return expected.every((e) => lines().includes(e));
        },
        10_000,
        'the repository lifecycle messages',
      );
      expect(lines().sort()).toEqual([...expected].sort());
      for (const n of told)
        expect(validNotification(n.message), ajv.errorsText(validNotification.errors)).toBe(true);
      expect(told.find((n) => n.message.eventType === 'repo-renamed')?.message.details).toMatchObject({
        from: `${ORG}/beta`,
        target: 'beta-renamed',
      });
    });

    it('tells once of a new GitHub repository whose CodeCommit name another one already takes', async () => {
      await topic.drain();
      // `coll.git` and `coll-git` both map to the CodeCommit name coll-git: one is mirrored, the other not.
      await seedOrg(sandbox.githubDir, ORG, [
        { name: 'coll.git', commits: 1 },
        { name: 'coll-git', commits: 1 },
      ]);
      let loser: RepoState | undefined;
      await eventually(
        async () => {
          loser = (await statusJson(env)).find(
            (s) => s.repo.startsWith(`${ORG}/coll`) && s.lastErrorCode === 'invalid-name',
          );
          return loser !== undefined;
        },
        20_000,
        'the second coll repository marked failing',
      );
      expect(loser?.lastError).toMatch(
        /name collision: .* already mirrors to "coll-git"; add migrate.naming.renames/,
      );
      // Reconciles every 2 s find it again: it is told once.
      await new Promise((r) => setTimeout(r, 5000));
      const about = (await topic.drain()).filter(
        (n) => n.message.repository === loser?.repo && n.message.eventType === 'sync-failing',
      );
      expect(about).toHaveLength(1);
      expect(about[0]?.message.summary).toContain('new on GitHub but not mirrored: name collision');
      expect(validNotification(about[0]?.message), ajv.errorsText(validNotification.errors)).toBe(true);
    });

    it('never pushes into a CodeCommit repository someone else already filled, however often it tries', async () => {
      const cc = codecommitClient(sandbox.info);
      await cc.send(new CreateRepositoryCommand({ repositoryName: 'zeta' }));
      await pushToCodecommit(
        sandbox.info,
        join(sandbox.githubDir, ORG, 'alpha.git'),
        'zeta',
        'refs/heads/main:refs/heads/main',
      );
      const before = (await bothSides(sandbox.info, sandbox.githubDir, ORG, 'alpha', 'zeta')).codecommit;
      await seedOrg(sandbox.githubDir, ORG, [{ name: 'zeta', commits: 3, branches: 1 }]);
      await eventually(
        async () => (await statusJson(env)).find((s) => s.repo === `${ORG}/zeta`)?.state === 'failing',
        30_000,
        'zeta marked failing',
      );
      // Several more reconcile rounds: a failed first sync must not make the repository "known".
      await new Promise((r) => setTimeout(r, 7000));
      // Each reconcile tries it again (and fails again); read the state between two tries.
      let zeta: RepoState | undefined;
      await eventually(
        async () => {
          zeta = (await statusJson(env)).find((s) => s.repo === `${ORG}/zeta`);
          return zeta?.state !== 'syncing';
        },
        30_000,
        'zeta between two tries',
      );
      expect(zeta?.state).toBe('failing');
      expect(zeta?.lastErrorCode).toBe('conflict');
      expect(zeta?.lastError).toMatch(/already exists, has branches, and was not created by gh2cc/);
      const after = (await bothSides(sandbox.info, sandbox.githubDir, ORG, 'alpha', 'zeta')).codecommit;
      expect(after).toEqual(before);
    });

    it('answers /healthz, /readyz and /metrics', async () => {
      const line = daemon
        .stderr()
        .split('\n')
        .find((l) => l.includes('"url":"http'));
      const url = (JSON.parse(line ?? '{}') as { url?: string }).url ?? '';
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ checks: { redis: true, workers: true } });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/gh2cc_sync_duration_seconds_count\{result="(migrated|up-to-date)"\} [1-9]/);
      expect(metrics).toMatch(/gh2cc_repos\{state="stopped"\} 1/);
      expect(metrics).toMatch(/gh2cc_repos_in_drift 1/);
      expect(metrics).toMatch(/gh2cc_queue_jobs\{queue="sync",state="waiting"\} \d+/);
    });
  },
);
