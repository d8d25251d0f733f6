import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/migrate/report.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { expectSchemaValid } from '../helpers/output-schemas.ts';
import { runGh2cc, type FinishedRun } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const ORG = 'jsonout';

type Run = FinishedRun;

describe('--json output against the sandbox, validated by its schema', () => {
  let sandbox: RunningSandbox;
  let work: string;
  let env: Record<string, string>;

  async function run(args: readonly string[], extra: Record<string, string> = {}): Promise<Run> {
    return runGh2cc(args, { ...env, ...extra }, work);
  }

  beforeAll(async () => {
    work = await tempDir('gh2cc-json-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(sandbox.githubDir, ORG, [
      { name: 'api', commits: 12, branches: 2, tags: 3 },
      { name: 'tools', commits: 3 },
      { name: 'blank', commits: 0 },
      { name: 'odd', commits: 2 },
    ]);
    // A GitHub branch under gh2cc's reserved backup prefix fails its repository: a failed row in the report.
    const odd = join(sandbox.githubDir, ORG, 'odd.git');
    await runGit(odd, ['update-ref', 'refs/heads/gh2cc-backup/mine', 'refs/heads/main']);
    env = {
      ...sandbox.info.env,
      GH2CC_ORG: ORG,
      GH2CC_CACHE_DIR: join(work, 'cache'),
      GH2CC_LOG_DIR: join(work, 'logs'),
    };
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('migrate --dry-run --json prints only the plan', async () => {
    const r = await run(['migrate', '--dry-run', '--json', '--log-file', join(work, 'plan.log')]);
    expect(r.code, r.stderr).toBe(0);
    const plan = expectSchemaValid('migration-plan', r.stdout) as {
      repos: { repo: string; action: string }[];
    };
    expect(plan.repos.map((p) => [p.repo, p.action]).sort()).toEqual([
      [`${ORG}/api`, 'create'],
      [`${ORG}/blank`, 'create'],
      [`${ORG}/odd`, 'create'],
      [`${ORG}/tools`, 'create'],
    ]);
  });

  it('migrate --json prints only the report (the one --report writes), progress on stderr', async () => {
    const r = await run([
      'migrate',
      '--json',
      '--report',
      join(work, 'r1.json'),
      '--log-file',
      join(work, 'm1.log'),
    ]);
    expect(r.code, r.stderr).toBe(1); // odd failed
    const firstReport = expectSchemaValid('migration-report', r.stdout) as MigrationReport;
    expect(firstReport).toEqual(JSON.parse(await readFile(join(work, 'r1.json'), 'utf8')));
    expect(firstReport.summary).toMatchObject({ total: 4, migrated: 2, empty: 1, failed: 1 });
    expect(firstReport.repos.find((x) => x.repo === `${ORG}/odd`)?.errors.join()).toContain('gh2cc-backup/');
    expect(r.stderr).toContain('Report written to');
    expect(r.stderr).toMatch(/\[4\/4\]/);
  });

  it('verify --json and drift --json describe what someone changed in CodeCommit', async () => {
    const cc = join(sandbox.codecommitDir, 'repos', 'api.git');
    const main = (await runGit(cc, ['rev-parse', 'refs/heads/main~2'])).stdout.trim();
    await runGit(cc, ['update-ref', 'refs/heads/hotfix', main]);
    const [verify, drift] = await Promise.all([
      run(['verify', '--json', '--log-file', join(work, 'v.log')]),
      run(['drift', '--json', '--log-file', join(work, 'd.log')]),
    ]);
    expect(verify.code, verify.stderr).toBe(1);
    expect(verify.stdout, verify.stderr).not.toBe('');
    const v = expectSchemaValid('verify', verify.stdout) as {
      summary: object;
      repos: { repo: string; result: string; differences: unknown[] }[];
    };
    const api = v.repos.find((x) => x.repo === `${ORG}/api`);
    expect(api).toMatchObject({ result: 'differs' });
    expect(api?.differences).toEqual([{ ref: 'refs/heads/hotfix', github: null, codecommit: main }]);
    expect(v.repos.find((x) => x.repo === `${ORG}/tools`)?.result).toBe('equal');
    expect(v.summary).toMatchObject({ repos: 4, equal: 2 });

    expect(drift.code, drift.stderr).toBe(3);
    expect(drift.stdout, drift.stderr).not.toBe('');
    const d = expectSchemaValid('drift', drift.stdout) as {
      repos: { repo: string; refs: { ref: string; kind: string }[] }[];
    };
    expect(d.repos.find((x) => x.repo === `${ORG}/api`)?.refs).toEqual([
      { ref: 'refs/heads/hotfix', kind: 'only-in-codecommit', github: null, codecommit: main },
    ]);
  });

  it('migrate --json reports diverged refs and the backups made before a force-push', async () => {
    const gh = join(sandbox.githubDir, ORG, 'api.git');
    await runGit(gh, ['update-ref', 'refs/heads/topic-0', 'refs/heads/main~5']);
    const r = await run(['migrate', '--json', '--log-file', join(work, 'm2.log')]);
    expect(r.code, r.stderr).toBe(1);
    const report = expectSchemaValid('migration-report', r.stdout) as MigrationReport;
    const api = report.repos.find((x) => x.repo === `${ORG}/api`);
    expect(api?.status).toBe('diverged');
    expect(api?.divergent?.map((x) => x.ref)).toEqual(['refs/heads/hotfix']);
    expect(api?.backups?.map((b) => [b.ref.split('/').slice(-2).join('/'), b.reason])).toEqual([
      ['heads/topic-0', 'force-pushed'],
    ]);
  });
});
