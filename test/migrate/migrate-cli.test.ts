import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CodeCommitClient, GetRepositoryCommand } from '@aws-sdk/client-codecommit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/migrate/report.ts';
import { readRequestLog, requestLogPath } from '../../src/sandbox/request-log.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { lsRemote, tempDir } from '../helpers/git.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { eventually, gh2cc } from '../helpers/processes.ts';
import { pushAnomalies, readPushLog } from '../helpers/push-log.ts';
import { seedOrg } from '../helpers/seed-org.ts';

interface DriftJson {
  summary: { repos: number; drifted: number; failed: number };
  repos: Array<{
    repo: string;
    drift: boolean;
    record: string;
    refs: Array<{ ref: string; kind: string }>;
    backups: Array<{ ref: string; original: string }>;
  }>;
}

async function readReport(path: string): Promise<MigrationReport> {
  return JSON.parse(await readFile(path, 'utf8')) as MigrationReport;
}

/** Every file below `dir`, as text, for scanning. */
async function allText(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (/\/objects\//.test(path)) continue;
    parts.push(await readFile(path, 'utf8').catch(() => ''));
  }
  return parts.join('\n');
}

describe('gh2cc migrate against the sandbox', () => {
  let sandbox: RunningSandbox;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await tempDir('gh2cc-migrate-');
    sandbox = await startSandbox({
      dir: join(work, 'sandbox'),
      log: createLogger({ level: 'silent' }),
      latencyMs: 5,
    });
    await seedOrg(sandbox.githubDir, 'acme', [
      { name: 'api', commits: 30, branches: 3, tags: 8, pulls: 2 },
      { name: 'web', commits: 600, branches: 1, tags: 2 },
      { name: 'tools', commits: 5 },
      { name: 'blank', commits: 0 },
    ]);
    await seedOrg(sandbox.githubDir, 'clash', [
      { name: 'lib.git', commits: 2 },
      { name: 'lib-git', commits: 2 },
    ]);
    await seedOrg(
      sandbox.githubDir,
      'slow',
      Array.from({ length: 4 }, (_, i) => ({ name: `s${i}`, commits: 200, tags: 4 })),
    );
    env = { ...sandbox.info.env, GH2CC_CACHE_DIR: join(work, 'cache') };
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('migrates every branch and tag, verified, never refs/pull/*; a re-run pushes nothing; no secret is written anywhere', async () => {
    const first = gh2cc(
      [
        'migrate',
        '--org',
        'acme',
        '--report',
        join(work, 'r1.json'),
        '--log-file',
        join(work, 'm1.log'),
        '--increment-commits',
        '250',
      ],
      env,
      work,
    );
    expect(await first.exited, first.stderr()).toBe(0);
    const r1 = await readReport(join(work, 'r1.json'));
    expect(r1.summary).toMatchObject({ total: 4, migrated: 3, empty: 1, failed: 0 });
    expect(r1.repos.every((r) => r.verified)).toBe(true);
    const web = r1.repos.find((r) => r.repo === 'acme/web');
    expect(web?.pushes).toBeGreaterThanOrEqual(3); // 600 commits in steps of 250: two increments, then the refs

    const gh = await lsRemote(work, join(sandbox.githubDir, 'acme', 'api.git'));
    const cc = await lsRemote(work, join(sandbox.codecommitDir, 'repos', 'api.git'));
    expect([...gh.keys()].filter((r) => r.startsWith('refs/pull/'))).toHaveLength(2);
    for (const ref of gh.keys()) if (ref.startsWith('refs/pull/')) gh.delete(ref);
    expect(cc).toEqual(gh);
    expect(cc.size).toBe(1 + 3 + 8);

    const pushesAfterFirst = (await readPushLog(sandbox.pushLog)).length;
    const second = gh2cc(
      ['migrate', '--org', 'acme', '--report', join(work, 'r2.json'), '--log-file', join(work, 'm2.log')],
      env,
      work,
    );
    expect(await second.exited, second.stderr()).toBe(0);
    const r2 = await readReport(join(work, 'r2.json'));
    expect(r2.summary.refsPushed).toBe(0);
    expect(r2.summary).toMatchObject({ 'up-to-date': 3, empty: 1, failed: 0 });
    expect((await readPushLog(sandbox.pushLog)).length).toBe(pushesAfterFirst);
    expect(second.stdout()).toContain('0 refs pushed');

    const secrets = [
      sandbox.info.github.token,
      sandbox.info.codecommit.secretAccessKey,
      sandbox.info.github.webhookSecret,
    ];
    const written = [
      first.stdout(),
      first.stderr(),
      second.stdout(),
      second.stderr(),
      await readFile(join(work, 'm1.log'), 'utf8'),
      await readFile(join(work, 'r1.json'), 'utf8'),
      await allText(join(work, 'cache')),
    ].join('\n');
    expect(written).toContain('acme/api');
    for (const s of secrets) expect(written).not.toContain(s);
  });

  it('replicates GitHub deletions and force-pushes, but leaves refs changed in CodeCommit alone', async () => {
    const gh = join(sandbox.githubDir, 'acme', 'api.git');
    const cc = join(sandbox.codecommitDir, 'repos', 'api.git');
    const rev = async (repo: string, r: string): Promise<string> =>
      (await runGit(repo, ['rev-parse', r])).stdout.trim();
    // On GitHub: a branch deleted, another force-pushed to an older commit.
    await runGit(gh, ['update-ref', '-d', 'refs/heads/topic-0']);
    await runGit(gh, ['update-ref', 'refs/heads/topic-1', await rev(gh, 'refs/heads/main~5')]);
    // In CodeCommit, by someone else: a branch made at a GitHub commit, a tag moved to another one.
    await runGit(cc, ['update-ref', 'refs/heads/hotfix', await rev(cc, 'refs/heads/main~2')]);
    await runGit(cc, ['update-ref', 'refs/tags/light-1', await rev(cc, 'refs/heads/main~7')]);
    const before = await lsRemote(work, cc);

    // `gh2cc drift` tells someone else's changes (drift, exit 3) from what the next sync will do (behind).
    const drift = async (): Promise<{ code: number | null; out: DriftJson }> => {
      const p = gh2cc(
        ['drift', '--org', 'acme', '--include', 'api', '--include', 'tools', '--json'],
        env,
        work,
      );
      const code = await p.exited;
      return { code, out: JSON.parse(p.stdout()) as DriftJson };
    };
    const first = await drift();
    expect(first.code).toBe(3);
    expect(first.out.summary).toEqual({ repos: 2, drifted: 1, failed: 0 });
    const apiDrift = first.out.repos.find((r) => r.repo === 'acme/api');
    expect(apiDrift?.record).toBe('cache');
    expect(apiDrift?.refs.map((r) => [r.ref, r.kind])).toEqual([
      ['refs/heads/hotfix', 'only-in-codecommit'],
      ['refs/heads/topic-0', 'behind'],
      ['refs/heads/topic-1', 'behind'],
      ['refs/tags/light-1', 'moved'],
    ]);
    expect(first.out.repos.find((r) => r.repo === 'acme/tools')).toMatchObject({ drift: false, refs: [] });

    const run = gh2cc(
      ['migrate', '--org', 'acme', '--report', join(work, 'r3.json'), '--log-file', join(work, 'm3.log')],
      env,
      work,
    );
    expect(await run.exited, run.stderr()).toBe(1);
    const api = (await readReport(join(work, 'r3.json'))).repos.find((r) => r.repo === 'acme/api');
    expect(api?.status).toBe('diverged');
    expect(api?.verified).toBe(true);
    const warning = api?.warnings.join() ?? '';
    expect(warning).toMatch(/2 ref\(s\) differ.*left alone/);
    expect(warning).toContain('hotfix');
    expect(warning).toContain('light-1');

    const after = await lsRemote(work, cc);
    expect(after.has('refs/heads/topic-0')).toBe(false);
    expect(after.get('refs/heads/topic-1')).toBe(await rev(gh, 'refs/heads/topic-1'));
    expect(after.get('refs/heads/hotfix')).toBe(before.get('refs/heads/hotfix'));
    expect(after.get('refs/tags/light-1')).toBe(before.get('refs/tags/light-1'));
    // What the deletion and the force-push replaced is kept under backup refs, reported by `gh2cc drift`.
    const backups = [...after].filter(([ref]) => ref.startsWith('refs/heads/gh2cc-backup/'));
    expect(backups.find(([r]) => r.endsWith('/heads/topic-0'))?.[1]).toBe(before.get('refs/heads/topic-0'));
    expect(backups.find(([r]) => r.endsWith('/heads/topic-1'))?.[1]).toBe(before.get('refs/heads/topic-1'));
    const second = await drift();
    expect(second.code).toBe(3);
    const api2 = second.out.repos.find((r) => r.repo === 'acme/api');
    expect(api2?.refs.map((r) => r.kind)).toEqual(['only-in-codecommit', 'moved']);
    expect(api2?.backups.map((b) => b.original).sort()).toEqual(['refs/heads/topic-0', 'refs/heads/topic-1']);
    const clean = gh2cc(['drift', '--org', 'acme', '--include', 'tools'], env, work);
    expect(await clean.exited, clean.stderr()).toBe(0);
    expect(clean.stdout()).toMatch(/0 of 1 repositories drifted/);
  });

  it("sets CodeCommit's default branch to GitHub's, with no API call where CodeCommit's git server names it already", async () => {
    await seedOrg(sandbox.githubDir, 'heads', [
      { name: 'on-main', commits: 3, branches: 1 },
      { name: 'on-topic', commits: 3, branches: 1 },
    ]);
    // GitHub's default branch is its HEAD's: topic-0 here, while CodeCommit takes main, the first branch pushed.
    await runGit(join(sandbox.githubDir, 'heads', 'on-topic.git'), [
      'symbolic-ref',
      'HEAD',
      'refs/heads/topic-0',
    ]);
    const run = gh2cc(['migrate', '--org', 'heads', '--log-file', join(work, 'heads.log')], env, work);
    expect(await run.exited, run.stderr()).toBe(0);
    const cc = sandbox.info.codecommit;
    const client = new CodeCommitClient({ endpoint: cc.endpoint, region: cc.region, credentials: cc });
    const defaultOf = async (name: string) =>
      (await client.send(new GetRepositoryCommand({ repositoryName: name }))).repositoryMetadata
        ?.defaultBranch;
    expect(await defaultOf('on-main')).toBe('main');
    expect(await defaultOf('on-topic')).toBe('topic-0');
    const calls = (await readRequestLog(requestLogPath(sandbox.codecommitDir)))
      .filter((r) => r.operation === 'UpdateDefaultBranch')
      .map((r) => r.repositories.join());
    expect(calls).toEqual(['on-topic']);
  });

  it('fails on a name collision before changing anything', async () => {
    const before = await readdir(join(sandbox.codecommitDir, 'repos'));
    const run = gh2cc(['migrate', '--org', 'clash', '--log-file', join(work, 'clash.log')], env, work);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/name collision: .*(lib\.git.*lib-git|lib-git.*lib\.git).*"lib-git"/);
    expect(run.stderr()).toContain('nothing was changed');
    expect(await readdir(join(sandbox.codecommitDir, 'repos'))).toEqual(before);

    const dry = gh2cc(
      ['migrate', '--org', 'clash', '--dry-run', '--json', '--log-file', join(work, 'clash2.log')],
      env,
      work,
    );
    expect(await dry.exited).toBe(2);
    expect((JSON.parse(dry.stdout()) as { errors: string[] }).errors[0]).toContain('name collision');
  });

  // Three runs of four 200-commit repositories in small increments: a minute or more on a loaded 2-core machine.
  it(
    'resumes after being killed mid-run and after Ctrl-C, ending verified without pushing anything twice',
    { timeout: 240_000 },
    async () => {
      // Small increments and one repo at a time: plenty of separate pushes, so each signal lands mid-run.
      const opts = ['migrate', '--org', 'slow', '--increment-commits', '20', '--concurrency', '1'];
      const killed = gh2cc([...opts, '--log-file', join(work, 'k1.log')], env, work);
      await eventually(
        async () => (await readPushLog(sandbox.pushLog)).some((e) => e.repo.startsWith('s')),
        60_000,
        'first push',
      );
      killed.child.kill('SIGKILL');
      await killed.exited;

      const interrupted = gh2cc(
        [...opts, '--log-file', join(work, 'k2.log'), '--report', join(work, 'k2.json')],
        env,
        work,
      );
      const seen = (await readPushLog(sandbox.pushLog)).length;
      await eventually(
        async () => (await readPushLog(sandbox.pushLog)).length > seen + 2,
        60_000,
        'more pushes',
      );
      interrupted.child.kill('SIGINT');
      expect(await interrupted.exited).toBe(1);
      const partial = await readReport(join(work, 'k2.json'));
      expect(partial.summary.interrupted).toBeGreaterThan(0);

      const resumed = gh2cc(
        [...opts, '--log-file', join(work, 'k3.log'), '--report', join(work, 'k3.json')],
        env,
        work,
      );
      expect(await resumed.exited, resumed.stderr()).toBe(0);
      const done = await readReport(join(work, 'k3.json'));
      expect(done.summary.failed + done.summary.interrupted).toBe(0);
      expect(done.repos.every((r) => r.verified)).toBe(true);
      const { overlapping, repeated } = pushAnomalies(
        (await readPushLog(sandbox.pushLog)).filter((e) => /^s\d$/.test(e.repo)),
      );
      expect(overlapping).toEqual([]);
      expect(repeated).toEqual([]);
    },
  );
});
