import { ensureRepository } from '../codecommit/ensure-repository.ts';
import { ensureRepositoryTrigger } from '../codecommit/repository-triggers.ts';
import { Gh2ccError } from '../util/errors.ts';
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
  const topicArn = s.deps.triggerTopicArn;
  const triggerNote = topicArn === undefined ? undefined : await ensureTrigger(s, topicArn);
  return {
    created: ensured.created,
    notes: triggerNote === undefined ? ensured.notes : [...ensured.notes, triggerNote],
  };
}

/** `notify.codecommitTriggers`: the repository reports every reference change to the topic itself. */
async function ensureTrigger(s: RepoSession, topicArn: string): Promise<string | undefined> {
  try {
    const result = await s.retry('set CodeCommit trigger', () =>
      ensureRepositoryTrigger(s.deps.codecommit, s.target, topicArn, {
        ...(s.deps.signal === undefined ? {} : { signal: s.deps.signal }),
      }),
    );
    if (result.changed) s.log.info({ topicArn }, 'CodeCommit trigger set');
    return result.note;
  } catch (err) {
    // The mirror matters more than the report of direct pushes: a trigger that cannot be written is a warning
    // on the repository's result (tried again next sync), never a failed sync.
    if (s.deps.signal?.aborted === true || !(err instanceof Gh2ccError)) throw err;
    const fix = err.fix === undefined ? '' : ` (${err.fix})`;
    return `${err.message}${fix}; until then direct pushes to this repository are not reported`;
  }
}
