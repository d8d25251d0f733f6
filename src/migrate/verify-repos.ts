import pLimit from 'p-limit';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRefs, mirroredRefs, type Divergence } from '../core/ref-plan.ts';
import { MirrorCache } from '../git/mirror-cache.ts';
import { errorMessage } from '../util/errors.ts';
import { withRetry } from '../util/retry.ts';
import type { MigrationContext } from './migration-context.ts';
import type { PlannedRepo } from './plan-migration.ts';

export interface VerifyResult {
  readonly repo: string;
  readonly target: string;
  readonly equal: boolean;
  readonly refs: number;
  readonly differences: readonly Divergence[];
  readonly error?: string;
}

/** Compares GitHub and CodeCommit ref by ref (ls-remote on both sides), for any time after a migration. */
export async function verifyRepos(
  ctx: MigrationContext,
  repos: readonly PlannedRepo[],
  concurrency: number,
): Promise<VerifyResult[]> {
  const limit = pLimit(concurrency);
  // ls-remote needs a repository to run in, not its content; one empty scratch repo serves every check.
  const scratch = await mkdtemp(join(tmpdir(), 'gh2cc-verify-'));
  try {
    const cache = new MirrorCache(join(scratch, 'scratch.git'));
    await cache.ensure();
    return await Promise.all(
      repos.map((p) =>
        limit(async (): Promise<VerifyResult> => {
          const base = { repo: p.source.fullName, target: p.target };
          try {
            const opts = { log: ctx.log, ...(ctx.retry === undefined ? {} : { policy: ctx.retry }) };
            const [github, codecommit] = await Promise.all([
              withRetry(
                'ls-remote GitHub',
                () => cache.remoteRefs(p.source.cloneUrl, ctx.githubAuth, 'ls-remote GitHub'),
                opts,
              ),
              withRetry(
                'ls-remote CodeCommit',
                async () =>
                  cache.remoteRefs(
                    ctx.remote.url(p.target),
                    await ctx.remote.auth(p.target),
                    'ls-remote CodeCommit',
                  ),
                opts,
              ),
            ]);
            const differences = compareRefs(github, codecommit);
            return { ...base, equal: differences.length === 0, refs: mirroredRefs(github).size, differences };
          } catch (err) {
            return { ...base, equal: false, refs: 0, differences: [], error: errorMessage(err) };
          }
        }),
      ),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
