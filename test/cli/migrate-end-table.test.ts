import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/git-runner.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { runGh2cc, type FinishedRun } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/;

type Run = FinishedRun;

/** The table's rows (below the header and rule, above the summary), cells split on two or more spaces. */
function tableRows(stdout: string): string[][] {
  const table = stdout.split('\n\n')[0] ?? '';
  return table
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s{2,}/));
}

describe("gh2cc migrate's end table, and a run from a script", () => {
  let sandbox: RunningSandbox;
  let work: string;
  let env: Record<string, string>;

  async function run(args: readonly string[], extra: Record<string, string> = {}): Promise<Run> {
    return runGh2cc(args, { ...env, ...extra }, work);
  }

  beforeAll(async () => {
    work = await tempDir('gh2cc-end-table-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(sandbox.githubDir, 'many', [
      ...Array.from({ length: 11 }, (_, i) => ({ name: `m${i}`, commits: 1 })),
      { name: 'odd', commits: 1 },
    ]);
    // A GitHub branch under gh2cc's reserved backup prefix fails its repository: a failed row in the table.
    await runGit(join(sandbox.githubDir, 'many', 'odd.git'), [
      'update-ref',
      'refs/heads/gh2cc-backup/mine',
      'refs/heads/main',
    ]);
    env = {
      ...sandbox.info.env,
      GH2CC_ORG: 'many',
      GH2CC_CACHE_DIR: join(work, 'cache'),
      GH2CC_LOG_DIR: join(work, 'logs'),
    };
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('without a TTY, creates many repositories without asking; one-word statuses, no ✓, no colour', async () => {
    const r = await run(['migrate', '--concurrency', '6', '--log-file', join(work, 'm1.log')]);
    expect(r.code, r.stderr).toBe(1); // odd failed
    expect(r.stderr).not.toMatch(/Go on\?|\[y\/N\]/);
    const created = (await readdir(join(sandbox.codecommitDir, 'repos'))).filter((n) => /^m\d/.test(n));
    expect(created).toHaveLength(11);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stdout).not.toContain('✓');
    const rows = tableRows(r.stdout);
    // Mirrored and verified, then failed on the reserved branch: the status says failed, with no mark beside
    // it; whether the refs were verified has its own column, and the note says what failed.
    const odd = rows.find((c) => c[0] === 'many/odd');
    expect(odd?.slice(2, 4)).toEqual(['failed', 'yes']);
    expect(odd?.at(-1)).toContain('gh2cc-backup/');
    expect(rows.find((c) => c[0] === 'many/m0')?.slice(2, 4)).toEqual(['migrated', 'yes']);
  });

  it('colours the status with FORCE_COLOR=1, and not with NO_COLOR', async () => {
    const only = (name: string): string[] => ['--include', 'odd', '--include', name];
    const [forced, plain] = await Promise.all([
      run(['migrate', ...only('m0'), '--log-file', join(work, 'm2.log')], { FORCE_COLOR: '1' }),
      run(['migrate', ...only('m1'), '--log-file', join(work, 'm3.log')], {
        FORCE_COLOR: '1',
        NO_COLOR: '1',
      }),
    ]);
    expect(forced.stdout).toContain('\u001b[31mfailed\u001b[39m');
    expect(forced.stdout).toContain('\u001b[32mup-to-date\u001b[39m');
    expect(plain.stdout, plain.stderr).toContain('up-to-date');
    expect(plain.stdout).not.toMatch(ANSI);
  });
});
