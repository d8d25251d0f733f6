import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type {
  EndpointOptions,
  OctokitResponse,
  RequestInterface,
  RequestParameters,
  Route,
} from '@octokit/types';
import type { Logger } from 'pino';
import { addSecret } from '../util/secrets.ts';

export const GithubClient = Octokit.plugin(throttling, retry);
export type GithubClient = InstanceType<typeof GithubClient>;

export interface GithubClientOptions {
  readonly apiUrl: string;
  /** A token, or a source of tokens (a GitHub App installation's, renewed before they expire). */
  readonly token: string | (() => Promise<string>);
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
/** Octokit's auth strategy for a token that changes: each request asks the source for the current one. */
function renewingToken(source: () => Promise<string>) {
  return () => {
    const auth = async () => ({ type: 'token', tokenType: 'installation', token: await source() });
    return Object.assign(auth, {
      hook: async (
        request: RequestInterface,
        route: Route | EndpointOptions,
        parameters?: RequestParameters,
      ): Promise<OctokitResponse<unknown>> => {
        const endpoint = request.endpoint.merge(route as Route, parameters);
        endpoint.headers['authorization'] = `token ${await source()}`;
        return request(endpoint as EndpointOptions);
      },
    });
  };
}

export function createGithubClient(options: GithubClientOptions): GithubClient {
  const { token } = options;
  if (typeof token === 'string') addSecret(token);
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
    ...(typeof token === 'string' ? { auth: token } : { authStrategy: renewingToken(token) }),
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
