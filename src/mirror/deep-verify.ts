import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { GitAuth } from '../git/git-auth.ts';
import type { GitNetworkLimits } from '../git/git-env.ts';
import { runGit } from '../git/git-runner.ts';
import { remoteEnv } from '../git/transport.ts';
import { Gh2ccError } from '../util/errors.ts';

/** Clones CodeCommit's copy back and runs `git fsck` on it: proves the objects arrived whole. */
export async function deepVerify(
  url: string,
  auth: GitAuth | undefined,
  log: Logger,
  network?: GitNetworkLimits,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gh2cc-verify-'));
  try {
    await runGit(dir, ['clone', '--mirror', '--quiet', url, join(dir, 'check.git')], {
      env: remoteEnv(url, auth, network),
      what: 'clone back from CodeCommit',
    });
    const fsck = await runGit(join(dir, 'check.git'), ['fsck', '--no-progress', '--no-dangling'], {
      check: false,
    });
    if (fsck.code !== 0)
      throw new Gh2ccError('git', `git fsck of CodeCommit's copy failed: ${fsck.stderr.slice(0, 500)}`, {
        retryable: false,
      });
    log.info('deep verification passed (clone + fsck)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
