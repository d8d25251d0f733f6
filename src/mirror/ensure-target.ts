import { ensureRepository } from '../codecommit/ensure-repository.ts';
import type { RepoSession } from './repo-session.ts';

/** Step 1: the CodeCommit repository exists, is ours to write, and carries the source's metadata. */
export async function ensureTarget(
  s: RepoSession,
  options: { likelyAbsent?: boolean } = {},
): Promise<{ created: boolean; notes: readonly string[] }> {
  const ensured = await s.retry('create CodeCommit repository', () =>
    ensureRepository(s.deps.codecommit, s.target, s.source, {
      ...(s.deps.kmsKeyId === undefined ? {} : { kmsKeyId: s.deps.kmsKeyId }),
      ...(options.likelyAbsent === undefined ? {} : { likelyAbsent: options.likelyAbsent }),
    }),
  );
  return { created: ensured.created, notes: ensured.notes };
}
