import pLimit from 'p-limit';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBackupRef } from '../core/backup-ref.ts';
import { compareRefs, mirroredRefs, type Divergence } from '../core/ref-plan.ts';
import { MirrorStore } from '../git/mirror-store.ts';
import { listRemoteRefs } from '../git/transport.ts';
import { errorMessage } from '../util/errors.ts';
import { deepVerify } from '../mirror/deep-verify.ts';
import { withRetry } from '../util/retry.ts';
import type { MirrorContext } from '../mirror/mirror-context.ts';
import type { PlannedRepo } from './plan-migration.ts';

export interface VerifyResult {
  readonly repo: string;
  readonly target: string;
  readonly equal: boolean;
  readonly refs: number;
  readonly differences: readonly Divergence[];
  readonly error?: string;
  /** With `deep`: whether the clone back + `git fsck` passed (undefined: not run). */
  readonly fsck?: { readonly ok: boolean; readonly error?: string };
}

/** Compares GitHub and CodeCommit ref by ref (ls-remote on both sides), for any time after a migration. */
export async function verifyRepos(
  ctx: MirrorContext,
  repos: readonly PlannedRepo[],
  options: { readonly concurrency: number; readonly deep: boolean },
): Promise<VerifyResult[]> {
  const limit = pLimit(options.concurrency);
  // ls-remote needs a repository to run in, not its content; one empty scratch repo serves every check.
  const scratch = await mkdtemp(join(tmpdir(), 'gh2cc-verify-'));
  try {
    const cache = new MirrorStore(join(scratch, 'scratch.git'));
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
                async () =>
                  listRemoteRefs(cache.dir, p.source.cloneUrl, await ctx.githubAuth(), 'ls-remote GitHub'),
                opts,
              ),
              withRetry(
                'ls-remote CodeCommit',
                async () =>
                  listRemoteRefs(
                    cache.dir,
                    ctx.remote.url(p.target),
                    await ctx.remote.auth(p.target),
                    'ls-remote CodeCommit',
                    { protocol: 0 },
                  ),
                opts,
              ),
            ]);
            // A GitHub branch under gh2cc's backup prefix is never mirrored: always a difference.
            const differences = [
              ...compareRefs(github, codecommit),
              ...[...github]
                .filter(([ref]) => isBackupRef(ref))
                .map(([ref, sha]) => ({ ref, source: sha, target: codecommit.get(ref) ?? '' })),
            ];
            const result = {
              ...base,
              equal: differences.length === 0,
              refs: mirroredRefs(github).size,
              differences,
            };
            if (!options.deep || !result.equal || result.refs === 0) return result;
            try {
              await deepVerify(ctx.remote.url(p.target), await ctx.remote.auth(p.target), ctx.log);
              return { ...result, fsck: { ok: true } };
            } catch (err) {
              return { ...result, fsck: { ok: false, error: errorMessage(err) } };
            }
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
