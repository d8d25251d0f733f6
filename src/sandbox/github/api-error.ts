/** GitHub documents every error with a link; the sandbox points at the REST overview. */
export const GITHUB_DOCS_URL = 'https://docs.github.com/rest';

/** An error answer in GitHub's shape: `{ message, documentation_url, status }` (status as a string). */
export class GithubApiError extends Error {
  override readonly name = 'GithubApiError';
  readonly status: number;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(status: number, message: string, extra: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }

  body(): Record<string, unknown> {
    return {
      message: this.message,
      ...this.extra,
      documentation_url: GITHUB_DOCS_URL,
      status: String(this.status),
    };
  }
}

export function notFound(): GithubApiError {
  return new GithubApiError(404, 'Not Found');
}

/** GitHub's 422 for a query parameter outside its enum. */
export function invalidParameter(name: string, value: string, allowed: readonly string[]): GithubApiError {
  return new GithubApiError(422, 'Validation Failed', {
    errors: [
      { field: name, code: 'invalid', value, message: `${name} must be one of: ${allowed.join(', ')}` },
    ],
  });
}
