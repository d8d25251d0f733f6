import type { RepoResult } from '../core/repo-result.ts';
import type { ErrorCode } from '../util/errors.ts';

/** Failures a retry cannot fix: the job stops retrying at once and the repository is marked failing. */
const PERMANENT: ReadonlySet<string> = new Set<ErrorCode>([
  'auth',
  'not-found',
  'invalid-name',
  'conflict',
  'config',
  'usage',
]);

export function isPermanentFailure(result: RepoResult): boolean {
  return result.errorCode !== undefined && PERMANENT.has(result.errorCode);
}
