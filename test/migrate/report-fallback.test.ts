import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/migrate/report.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { eventually, gh2cc } from '../helpers/processes.ts';
import { readPushLog } from '../helpers/push-log.ts';
import { seedOrg } from '../helpers/seed-org.ts';

describe("a finished run's report", () => {
  let sandbox: RunningSandbox;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await tempDir('gh2cc-report-');
    sandbox = await startSandbox({
      dir: join(work, 'sandbox'),
      log: createLogger({ level: 'silent' }),
      latencyMs: 5,
    });
    await seedOrg(sandbox.githubDir, 'lost', [
      { name: 'one', commits: 400 },
      { name: 'two', commits: 400 },
    ]);
    env = { ...sandbox.info.env, GH2CC_CACHE_DIR: join(work, 'cache') };
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('is written to the cache dir, saying where, when its directory is gone by the end of the run', async () => {
    const out = join(work, 'out');
    await mkdir(out);
    const run = gh2cc(
      [
        'migrate',
        '--org',
        'lost',
        '--increment-commits',
        '20',
        '--concurrency',
        '1',
        '--report',
        join(out, 'r.json'),
        '--log-file',
        join(work, 'm.log'),
      ],
      env,
      work,
    );
    // The run is under way (its paths were checked long ago): the report's directory becomes a file.
    let exited = false;
    void run.exited.then(() => (exited = true));
    await eventually(
      async () => exited || (await readPushLog(sandbox.pushLog)).length > 0,
      60_000,
      'first push',
    );
    expect(exited, `the run ended before any push: ${run.stderr()}`).toBe(false);
    await rm(out, { recursive: true });
    await writeFile(out, 'not a directory any more');

    // Every repository made it, but the report is not where it was asked for: exit 1, and where it went.
    expect(await run.exited, run.stderr()).toBe(1);
    expect(run.stdout()).toMatch(/2 repositories: 2 migrated/);
    expect(run.stderr()).toContain(`could not write the report to ${join(out, 'r.json')}`);
    const where = /The report was written to (\S+) instead\./.exec(run.stderr())?.[1];
    expect(where).toMatch(new RegExp(`^${join(work, 'cache')}/report-.*\\.json$`));
    const report = JSON.parse(await readFile(where ?? '', 'utf8')) as MigrationReport;
    expect(report.summary).toMatchObject({ total: 2, migrated: 2, failed: 0 });
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  }, 120_000);
});
