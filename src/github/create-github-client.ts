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
import { Gh2ccError } from '../util/errors.ts';
import { proxyFetch } from '../util/proxy-fetch.ts';
import { addSecret } from '../util/secrets.ts';

/** Octokit's request log line for a 304 answer: `GET /orgs/acme/repos?page=2 - 304 with id … in 14ms`. */
const NOT_MODIFIED = /^[A-Z]+ \S+ - 304 /;

/**
 * A request that timed out ends here, before the retry plugin sees it: its fetch error arrives wrapped in a
 * RequestError (status 500), which would be retried with backoff, turning one dead endpoint into minutes of
 * waiting. Registered first, so this hook sits inside the throttling and retry plugins.
 */
function deadlinePlugin(octokit: Pick<Octokit, 'hook'>): void {
  octokit.hook.error('request', (error) => {
    const cause = (error as { cause?: unknown }).cause;
    throw cause instanceof RequestTimeout ? cause : error;
  });
}

export const GithubClient = Octokit.plugin(deadlinePlugin, throttling, retry);
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
  /** How long one request may take, its answer included (default 30 s); `github.timeout`. */
  readonly timeoutMs?: number;
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/** A GitHub REST request that got no (complete) answer in time. */
export class RequestTimeout extends Gh2ccError {
  override readonly name = 'RequestTimeout';
}

/**
 * fetch with a deadline for the whole request, body included (a server that trickles bytes is caught too),
 * as well as the caller's signal (`request: { signal }`, e.g. Ctrl-C). A timeout becomes one line naming the
 * endpoint and the setting.
 */
function fetchWithDeadline(apiUrl: string, timeoutMs: number): typeof fetch {
  // HTTPS_PROXY/HTTP_PROXY/NO_PROXY, which Node's fetch ignores.
  const send = proxyFetch();
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ?? undefined;
    const signals = signal === undefined ? [deadline] : [deadline, signal];
    const timedOut = (): RequestTimeout =>
      new RequestTimeout(
        'network',
        `GitHub API at ${apiUrl} did not answer within ${timeoutMs / 1000} s; check GITHUB_API_URL, GH2CC_GITHUB_TIMEOUT (github.timeout) and the network`,
      );
    let response: Response;
    try {
      response = await send(input, { ...init, signal: AbortSignal.any(signals) });
    } catch (err) {
      if (deadline.aborted && signal?.aborted !== true) throw timedOut();
      throw err;
    }
    if (response.body === null) return response;
    // Octokit reads the body after this returns; read it here, still under the deadline, so a stalled body
    // fails with the same message.
    try {
      const body = await response.arrayBuffer();
      const copy = new Response(NULL_BODY_STATUS.has(response.status) ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
      Object.defineProperty(copy, 'url', { value: response.url });
      return copy;
    } catch (err) {
      if (deadline.aborted && signal?.aborted !== true) throw timedOut();
      throw err;
    }
  };
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
      // Octokit reports every answer it throws for, and a 304 to a conditional request (the reconcile's
      // listing pages) is the cache working, not an error.
      error: (message: string) => {
        if (NOT_MODIFIED.test(message)) return;
        log.error({ source: 'octokit', detail: message }, 'GitHub client error');
      },
    },
    retry: { retries: options.retries ?? 3 },
    request: { fetch: fetchWithDeadline(options.apiUrl, options.timeoutMs ?? 30_000) },
    throttle: { onRateLimit: waitOrGiveUp('primary'), onSecondaryRateLimit: waitOrGiveUp('secondary') },
  });
}
