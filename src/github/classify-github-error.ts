import { Gh2ccError, errorMessage } from '../util/errors.ts';

/** Turns an Octokit failure into a Gh2ccError with a code, retryability and the fix a user needs. */
export function classifyGithubError(err: unknown, what: string): Gh2ccError {
  if (err instanceof Gh2ccError) return err; // already classified where it happened (a request timeout)
  const status = typeof err === 'object' && err !== null && 'status' in err ? Number(err.status) : 0;
  if (status === 401) {
    return new Gh2ccError('auth', `GitHub refused the token while reading ${what} (401 Bad credentials)`, {
      cause: err,
      retryable: false,
      fix: 'check GITHUB_TOKEN: it may be expired or revoked',
    });
  }
  const message = errorMessage(err);
  const remaining = (err as { response?: { headers?: Record<string, string | undefined> } }).response
    ?.headers?.['x-ratelimit-remaining'];
  // The throttling plugin gave up waiting: a rate limit, not a permission problem.
  if (
    (status === 403 || status === 429) &&
    (/secondary rate|rate limit/i.test(message) || remaining === '0')
  ) {
    return new Gh2ccError('throttled', `GitHub kept rate-limiting requests for ${what}: ${message}`, {
      cause: err,
      fix: 'lower --concurrency, or run with a GitHub App installation token (higher limits)',
    });
  }
  if (status === 403) {
    return new Gh2ccError('auth', `GitHub denied access to ${what} (403)`, {
      cause: err,
      retryable: false,
      fix: 'give the token the repo and read:org scopes (or the App the Contents and Metadata permissions), and SSO-authorize it for the organization',
    });
  }
  if (status === 404) {
    return new Gh2ccError('not-found', `GitHub has no ${what} visible to this token (404)`, {
      cause: err,
      retryable: false,
      fix: 'check the name and GITHUB_API_URL (Enterprise Server uses https://HOST/api/v3), and that the token can see it',
    });
  }
  if (status >= 500 || status === 0) {
    return new Gh2ccError(
      status === 0 ? 'network' : 'server',
      `GitHub failed while reading ${what}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  return new Gh2ccError('internal', `GitHub request for ${what} failed (${status}): ${errorMessage(err)}`, {
    cause: err,
    retryable: false,
  });
}
