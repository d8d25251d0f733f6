import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../src/migrate/report.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { bothSides, sameRefs } from '../helpers/mirror-checks.ts';
import { BIN } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

/**
 * Runs `script` in a private mount namespace (as root, or as a user mapped to root in a user namespace), where
 * it can mount a small tmpfs over the mirror cache: a real full disk, gone when the script ends.
 */
function inMountNamespace(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  const asRoot = process.getuid?.() === 0;
  const args = asRoot
    ? ['--mount', 'sh', '-c', script]
    : ['--user', '--map-root-user', '--mount', 'sh', '-c', script];
  return new Promise((resolve) => {
    const child = spawn('unshare', args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', (e) => resolve({ code: -1, out: `${out}${e.message}` }));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('a full disk in the mirror cache', () => {
  let sandbox: RunningSandbox;
  let work: string;

  beforeAll(async () => {
    work = await tempDir('gh2cc-enospc-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(sandbox.githubDir, 'full', [
      // Migrated in name order, one at a time: the small one first, while there is room.
      { name: 'a-small', commits: 3 },
      // About 3 MB of poorly compressible history: more than the disk has left.
      { name: 'z-big', commits: 30, blobBytes: 100_000 },
    ]);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('fails only the repository that did not fit, says how to fix it, pushes nothing of it, and resumes once there is room', async () => {
    const cache = join(work, 'cache');
    await mkdir(cache, { recursive: true });
    const script = [
      'set -u',
      // 12 MB, of which a filler leaves about 1.5 MB: enough for the small repository, not for the big one.
      'mount -t tmpfs -o size=12m tmpfs "$GH2CC_CACHE_DIR" || exit 97',
      'head -c 11000000 /dev/zero > "$GH2CC_CACHE_DIR/filler"',
      `node ${BIN} migrate --org full --concurrency 1 --report "$WORK/r1.json" --log-file "$WORK/m1.log"; echo "rc1=$?"`,
      'rm "$GH2CC_CACHE_DIR/filler"',
      `node ${BIN} migrate --org full --concurrency 1 --report "$WORK/r2.json" --log-file "$WORK/m2.log"; echo "rc2=$?"`,
    ].join('\n');
    const run = await inMountNamespace(script, {
      ...sandbox.info.env,
      GH2CC_CACHE_DIR: cache,
      GH2CC_RETRIES: '0',
      WORK: work,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    });
    expect(
      run.code,
      `this test mounts a tmpfs in a private mount namespace; it needs root or unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1): ${run.out}`,
    ).toBe(0);
    expect(run.out).toContain('rc1=1');
    const first = JSON.parse(await readFile(join(work, 'r1.json'), 'utf8')) as MigrationReport;
    const big = first.repos.find((r) => r.repo === 'full/z-big');
    expect(big?.status).toBe('failed');
    expect(big?.refsPushed).toBe(0);
    expect(big?.errors.join('\n')).toMatch(/No space left on device/);
    expect(big?.errors.join('\n')).toContain('GH2CC_CACHE_DIR');
    expect(first.repos.find((r) => r.repo === 'full/a-small')?.status).toBe('migrated');

    expect(run.out).toContain('rc2=0');
    const second = JSON.parse(await readFile(join(work, 'r2.json'), 'utf8')) as MigrationReport;
    expect(second.repos.every((r) => r.verified)).toBe(true);
    for (const name of ['a-small', 'z-big']) {
      const sides = await bothSides(sandbox.info, sandbox.githubDir, 'full', name, name);
      expect(sameRefs(sides.github, sides.codecommit), name).toBe(true);
    }
  });
});
