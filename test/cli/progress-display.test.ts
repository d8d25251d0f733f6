import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProgressDisplay, describeProgress } from '../../src/cli/progress-display.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { SyncProgress } from '../../src/core/repo-result.ts';
import { parseGitProgress } from '../../src/git/git-runner.ts';
import { createMirrorContext } from '../../src/mirror/mirror-context.ts';
import { planMigration } from '../../src/migrate/plan-migration.ts';
import { runInProcess } from '../../src/migrate/run-migration.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { seedOrg } from '../helpers/seed-org.ts';
import { migratedResult } from '../helpers/repo-result.ts';

const MiB = 1024 * 1024;

function pushing(repo: string, processed: number, total: number, extra: object = {}): SyncProgress {
  return { repo, phase: 'push', done: 0, total: 1, objects: { processed, total, ...extra } };
}

const result = migratedResult;

describe("git's progress lines", () => {
  it('carry objects, and bytes and rate when git shows them', () => {
    expect(parseGitProgress('Writing objects:  50% (1/2), 1.20 MiB | 3.00 MiB/s')).toEqual({
      stage: 'writing',
      progress: 50,
      processed: 1,
      total: 2,
      bytes: Math.round(1.2 * MiB),
      bytesPerSecond: 3 * MiB,
    });
    expect(parseGitProgress('Writing objects: 100% (3/3), 174 bytes | 174.00 KiB/s, done.')).toMatchObject({
      processed: 3,
      bytes: 174,
      bytesPerSecond: 174 * 1024,
    });
    expect(parseGitProgress('Writing objects:  33% (1/3)')).toEqual({
      stage: 'writing',
      progress: 33,
      processed: 1,
      total: 3,
    });
    expect(parseGitProgress('Total 3 (delta 0), reused 0 (delta 0)')).toBeUndefined();
  });
});

describe('describeProgress', () => {
  it("shows a push's objects, size and rate rather than a step count that stands still", () => {
    expect(
      describeProgress(pushing('acme/web', 1200, 5000, { bytes: 12.3 * MiB, bytesPerSecond: 3 * MiB })),
    ).toBe('push: 1200/5000 objects (24%), 12.3 MiB at 3.0 MiB/s');
    expect(describeProgress({ ...pushing('acme/web', 1, 2), done: 1, total: 3 })).toBe(
      'push 2/3: 1/2 objects (50%)',
    );
    expect(describeProgress({ repo: 'acme/web', phase: 'push', done: 0, total: 1 })).toBe('push');
    expect(describeProgress({ repo: 'acme/web', phase: 'fetch' })).toBe('fetch');
  });
});

describe('the progress display', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('without a TTY, writes a line for a push still running every interval, and no ✓ beside a failure', () => {
    let now = 0;
    const lines: string[] = [];
    const display = createProgressDisplay(3, {
      tty: false,
      writeLine: (l) => lines.push(l),
      now: () => now,
      everyMs: 20_000,
    });
    display.progress({ repo: 'acme/web', phase: 'fetch' });
    display.progress(pushing('acme/web', 10, 5000));
    now = 5_000;
    display.progress(pushing('acme/web', 900, 5000, { bytes: 2 * MiB }));
    expect(lines).toEqual([]); // a short push stays quiet
    now = 21_000;
    display.progress(pushing('acme/web', 2500, 5000, { bytes: 40 * MiB, bytesPerSecond: 2 * MiB }));
    now = 22_000;
    display.progress(pushing('acme/web', 2600, 5000, { bytes: 41 * MiB }));
    expect(lines).toEqual(['acme/web: push: 2500/5000 objects (50%), 40.0 MiB at 2.0 MiB/s']);
    display.result(result('acme/web'));
    display.result(result('acme/ops', { status: 'failed', verified: true, errors: ['its wiki failed'] }));
    display.result(result('acme/app', { status: 'diverged', verified: true }));
    expect(lines.slice(1)).toEqual([
      '[1/3] acme/web → web: migrated, verified (3 refs in 1 pushes, 1.2 s)',
      '[2/3] acme/ops → ops: failed (its wiki failed, 1.2 s)',
      '[3/3] acme/app → app: diverged (3 refs in 1 pushes, 1.2 s)',
    ]);
  });

  it("on a TTY, draws the push's objects and bytes beside the repository's bar", () => {
    vi.useFakeTimers();
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
    let drawn = '';
    stream.on('data', (b: Buffer) => (drawn += b.toString()));
    const display = createProgressDisplay(1, { tty: true, stream });
    display.progress(pushing('acme/web', 2500, 5000, { bytes: 40 * MiB, bytesPerSecond: 2 * MiB }));
    vi.advanceTimersByTime(500);
    display.stop();
    const text = stripVTControlCharacters(drawn);
    expect(text).toMatch(/acme\/web +\[[█░]+\] push: 2500\/5000 objects \(50%\), 40\.0 MiB at 2\.0 MiB\/s/);
    // Half the objects of the only push step: the bar is half full, not empty.
    const bar = /acme\/web +\[([█░]+)\]/.exec(text)?.[1] ?? '';
    expect(bar.split('').filter((c) => c === '█')).toHaveLength(bar.length / 2);
  });
});

describe('a real migration reports the bytes of its pushes', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      dir: join(await tempDir('gh2cc-progress-'), 'sandbox'),
      log: createLogger({ level: 'silent' }),
    });
    await seedOrg(sandbox.githubDir, 'prog', [{ name: 'big', commits: 20, blobBytes: 64 * 1024 }]);
    // The AWS SDK's default credential chain reads the process environment, as it does in the CLI.
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      vi.stubEnv(key, sandbox.info.env[key] ?? '');
    vi.stubEnv('AWS_CONFIG_FILE', '/dev/null');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/dev/null');
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await sandbox.close();
  });

  it('passes git\'s "Writing objects" with bytes on to the display', async () => {
    const env = { ...sandbox.info.env, GH2CC_ORG: 'prog', GH2CC_CACHE_DIR: await tempDir('gh2cc-cache-') };
    const config = loadConfig({ env });
    const ctx = createMirrorContext(config, createLogger({ level: 'silent' }));
    const plan = await planMigration(ctx, config, { org: 'prog' });
    const events: SyncProgress[] = [];
    const [r] = await runInProcess(
      ctx,
      plan.repos,
      { concurrency: 1, verify: 'refs', wikis: false },
      { onProgress: (p) => events.push(p) },
    );
    expect(r?.status).toBe('migrated');
    const writing = events.filter((p) => p.phase === 'push' && p.objects !== undefined);
    const last = writing.at(-1);
    expect(last?.objects).toMatchObject({ processed: last?.objects?.total });
    // 20 commits of 64 KiB of poorly compressible text: the pack is at least a few hundred KiB.
    expect(last?.objects?.bytes).toBeGreaterThan(300 * 1024);
    expect(describeProgress(last ?? { repo: '', phase: 'push' })).toMatch(
      /^push: (\d+)\/\1 objects \(100%\), [\d.]+ (KiB|MiB)/,
    );
  });
});
