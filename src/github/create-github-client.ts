import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';
import { addSecret } from '../util/secrets.ts';

export const GithubClient = Octokit.plugin(throttling, retry);
export type GithubClient = InstanceType<typeof GithubClient>;

export interface GithubClientOptions {
  readonly apiUrl: string;
  readonly token: string;
  readonly log: Logger;
  /** How many times a rate-limited request is retried after waiting (default 5). */
  readonly maxRateLimitRetries?: number;
  /** Retries for 5xx and network errors (the retry plugin's default is 3). */
  readonly retries?: number;
}

/**
 * Octokit for github.com or Enterprise Server, with GitHub's own advice on limits built in: the throttling
 * plugin waits out primary and secondary rate limits (retry-after), the retry plugin retries 5xx answers.
 */
export function createGithubClient(options: GithubClientOptions): GithubClient {
  addSecret(options.token);
  const maxRetries = options.maxRateLimitRetries ?? 5;
  const log = options.log;
  // Both kinds of limit: wait as GitHub asks (retry-after), up to maxRetries times, saying so in the log.
  const waitOrGiveUp =
    (kind: 'primary' | 'secondary') =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      log.warn(
        { kind, retryAfter, method: request.method, url: request.url, retryCount },
        'GitHub rate limit; waiting',
      );
      return retryCount < maxRetries;
    };
  return new GithubClient({
    auth: options.token,
    baseUrl: options.apiUrl.replace(/\/$/, ''),
    userAgent: 'gh2cc/0.1.0',
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => log.warn({ source: 'octokit', detail: message }, 'GitHub client warning'),
      error: (message: string) => log.error({ source: 'octokit', detail: message }, 'GitHub client error'),
    },
    retry: { retries: options.retries ?? 3 },
    throttle: { onRateLimit: waitOrGiveUp('primary'), onSecondaryRateLimit: waitOrGiveUp('secondary') },
  });
}
