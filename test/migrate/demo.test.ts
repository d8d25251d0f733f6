import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CodeCommitClient, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/migrate/report.ts';
import { startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { gitWithHelper, lsRemote, tempDir } from '../helpers/git.ts';
import { gh2cc } from '../helpers/processes.ts';
import { readPushLog } from '../helpers/push-log.ts';

describe('gh2cc demo', () => {
  it('migrates the demo org with every hard case, verified equal, exit 0; a naive push of the 4,500-tag repo is refused', async () => {
    const dir = await tempDir('gh2cc-demo-');
    const demo = gh2cc(['demo', '--dir', dir], {}, dir);
    expect(await demo.exited, demo.stderr()).toBe(0);
    expect(demo.stdout()).toContain('9 of 9 repositories verified equal ref by ref');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as MigrationReport;
    expect(report.summary).toMatchObject({ total: 9, failed: 0, interrupted: 0, empty: 1, migrated: 8 });
    const byRepo = new Map(report.repos.map((r) => [r.repo, r]));
    expect(byRepo.get('demo-org/ref-heavy')?.refsPushed).toBe(4501);
    expect(byRepo.get('demo-org/release-notes.git')?.target).toBe('release-notes-git');
    expect(byRepo.get('demo-org/design-assets')?.warnings.join()).toContain('LFS');
    expect(byRepo.get('demo-org/platform-api')?.wiki?.status).toBe('migrated');
    expect(byRepo.get('demo-org/long-history')?.pushes).toBeGreaterThanOrEqual(3);

    const log = await readPushLog(join(dir, 'sandbox', 'codecommit', 'push-log.jsonl'));
    expect(log.every((e) => e.refs.length <= 4000)).toBe(true);
    expect(log.flatMap((e) => e.refs).some((r) => r.ref.startsWith('refs/pull/'))).toBe(false);
    // web-frontend's default branch is trunk on both sides.
    expect(byRepo.get('demo-org/web-frontend')?.heads?.codecommit).toMatch(/^[0-9a-f]{40}$/);

    // The limit is real: the same repo pushed the naive way (one mirror push) is refused.
    const sandbox = await startSandbox({ dir: join(dir, 'sandbox'), log: createLogger({ level: 'silent' }) });
    try {
      const cc = sandbox.info.codecommit;
      const client = new CodeCommitClient({ endpoint: cc.endpoint, region: cc.region, credentials: cc });
      await client.send(new CreateRepositoryCommand({ repositoryName: 'naive-ref-heavy' }));
      const source = join(sandbox.githubDir, 'demo-org', 'ref-heavy.git');
      const helper = `!node ${join(process.cwd(), 'bin/gh2cc.js')} git-credential`;
      const awsEnv = {
        AWS_ACCESS_KEY_ID: cc.accessKeyId,
        AWS_SECRET_ACCESS_KEY: cc.secretAccessKey,
        AWS_REGION: cc.region,
      };
      const naive = await gitWithHelper(
        source,
        helper,
        ['push', '--mirror', `${cc.gitUrl}/v1/repos/naive-ref-heavy`],
        awsEnv,
      );
      expect(naive.code).not.toBe(0);
      expect(naive.stderr).toContain('Too many reference update commands');
      expect((await lsRemote(dir, join(sandbox.codecommitDir, 'repos', 'naive-ref-heavy.git'))).size).toBe(0);
      expect((await lsRemote(dir, join(sandbox.codecommitDir, 'repos', 'ref-heavy.git'))).size).toBe(4501);

      // The README's next step after the demo: `gh2cc drift` finds the two sides in step, settings included.
      // (This sandbox came back on another port, and descriptions name GitHub's URL: the port is left out.)
      const drift = gh2cc(
        ['drift', '--json'],
        { ...sandbox.info.env, GH2CC_CACHE_DIR: join(dir, 'cache'), GH2CC_ORG: 'demo-org' },
        dir,
      );
      expect(await drift.exited, drift.stderr()).toBeLessThanOrEqual(3);
      const found = JSON.parse(drift.stdout()) as {
        repos: {
          repo: string;
          refs: unknown[];
          settings: { setting: string; expected: string; codecommit: string }[];
        }[];
      };
      const portless = (v: string) => v.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1');
      const drifted = found.repos.flatMap((r) => [
        ...r.refs.map((ref) => ({ repo: r.repo, ref })),
        ...r.settings
          .filter((x) => portless(String(x.expected)) !== portless(String(x.codecommit)))
          .map((x) => ({ repo: r.repo, ...x })),
      ]);
      expect(found.repos).toHaveLength(9);
      expect(drifted).toEqual([]);
    } finally {
      await sandbox.close();
    }
  }, 180_000); // ~50 s on an idle 2-core machine; more under a full test run
});
