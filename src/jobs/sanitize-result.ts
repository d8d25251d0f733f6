import type { RepoResult } from '../core/repo-result.ts';
import { sanitize } from '../util/secrets.ts';

/** A result as it may be stored in Redis (BullMQ keeps it as the job's return value): texts sanitised. */
export function sanitizeResult(result: RepoResult): RepoResult {
  return {
    ...result,
    warnings: result.warnings.map(sanitize),
    errors: result.errors.map(sanitize),
    ...(result.wiki === undefined ? {} : { wiki: sanitizeResult(result.wiki) }),
  };
}
