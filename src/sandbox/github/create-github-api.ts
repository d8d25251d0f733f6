import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigError } from '../../util/errors.ts';
import { readBody, sendJson, sendJsonText } from '../../util/http-body.ts';
import { sendDeliveries } from '../github-webhooks.ts';
import type { GithubSandboxOptions, SandboxHandler } from '../types.ts';
import { accountRoutes } from './account-routes.ts';
import { GITHUB_DOCS_URL, GithubApiError, notFound } from './api-error.ts';
import type { OwnerMetadataCache } from './owner-store.ts';
import { createRateLimitCounter, rateLimitHeaders, type RateLimitCounter } from './rate-limit.ts';
import { appRoutes } from './app-routes.ts';
import { repoAdminRoutes } from './repo-admin-routes.ts';
import { repoRoutes } from './repo-routes.ts';
import { compilePattern, matchPattern, splitPath, type CompiledPattern } from './route-matcher.ts';
import type { Route, RouteResult } from './route-types.ts';
import { sandboxUrls } from './sandbox-urls.ts';
import { teamRoutes } from './team-routes.ts';

const API_PREFIX = '/api/v3';
/** GitHub's limits: 5,000 requests an hour for a token, 60 for anonymous callers (keyed by IP there). */
const TOKEN_LIMIT = 5000;
const ANONYMOUS_LIMIT = 60;

/** Headers GitHub sends on every REST answer, which clients and their plugins read. */
const STATIC_HEADERS: Readonly<Record<string, string>> = {
  'x-github-api-version-selected': '2022-11-28',
  'x-github-media-type': 'github.v3; format=json',
  'x-github-enterprise-version': '3.19.0',
  'cache-control': 'private, max-age=60, s-maxage=60',
  vary: 'Accept, Authorization, Cookie, X-GitHub-OTP',
  'x-content-type-options': 'nosniff',
};

/** The scopes a classic token needs for everything gh2cc reads; the throttling plugin and gh2cc log them. */
const TOKEN_SCOPES = 'admin:org, read:user, repo';

/** Shaped like GitHub's: colon-separated hex fields. */
function requestId(): string {
  const hex = randomBytes(12).toString('hex').toUpperCase();
  return `${hex.slice(0, 4)}:${hex.slice(4, 8)}:${hex.slice(8, 15)}:${hex.slice(15, 22)}:${Math.floor(
    Date.now() / 1000,
  )
    .toString(16)
    .toUpperCase()}`;
}

function presentedToken(req: IncomingMessage): string | undefined {
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

interface CompiledRoute extends Route {
  readonly compiled: CompiledPattern;
}

function findRoute(
  routes: readonly CompiledRoute[],
  path: readonly string[],
  method: string,
): { route: CompiledRoute; params: Record<string, string> } | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  for (const route of routes) {
    if ((route.method ?? 'GET') !== wanted) continue;
    const params = matchPattern(route.compiled, path);
    if (params !== null) return { route, params };
  }
  return undefined;
}

/** GitHub answers a body it cannot parse with 400 "Problems parsing JSON". */
async function jsonBody(req: IncomingMessage): Promise<unknown> {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return undefined;
  let raw: Buffer;
  try {
    raw = await readBody(req, 1024 * 1024);
  } catch {
    throw new GithubApiError(413, 'Request body too large');
  }
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new GithubApiError(400, 'Problems parsing JSON');
  }
}

/**
 * The REST half of the GitHub sandbox, shaped like GitHub Enterprise Server under `/api/v3`: the endpoints gh2cc
 * reads to discover organizations, repositories, refs, branch protection, teams and members, and the
 * repository administration ones (create, edit/rename/archive, delete) that send `repository` webhooks.
 * State is read from `options.dir` on every request, so edits made between requests show up at once.
 * Returns false for paths outside `/api/v3`.
 */
export function createGithubApi(options: GithubSandboxOptions): SandboxHandler {
  const cache: OwnerMetadataCache = new Map();
  const state = { dir: options.dir, cache };
  const tokenLimit: RateLimitCounter = createRateLimitCounter(TOKEN_LIMIT, 'core');
  const anonymousLimit: RateLimitCounter = createRateLimitCounter(ANONYMOUS_LIMIT, 'core');
  const routes: CompiledRoute[] = [
    ...accountRoutes(),
    ...repoRoutes(),
    ...repoAdminRoutes(),
    ...(options.tokens === undefined ? [] : appRoutes(options.tokens)),
    ...teamRoutes(),
  ].map((route) => ({
    ...route,
    compiled: compilePattern(route.pattern),
  }));
  const log = options.log.child({ component: 'github-api' });

  /**
   * A GET is counted once its answer is known: GitHub does not count a conditional request answered 304 Not
   * Modified against the rate limit. Every other request is counted on arrival.
   */
  async function answer(
    req: IncomingMessage,
    url: URL,
    headers: Record<string, string>,
    charge: { later: boolean },
  ): Promise<RouteResult> {
    const path = splitPath(url.pathname.slice(API_PREFIX.length));
    const method = req.method ?? 'GET';
    // Node drops the body of a HEAD answer by itself; a method no route answers is a 404, as on GitHub.
    const found = path === null ? undefined : findRoute(routes, path, method);
    const presented = presentedToken(req);
    if (found?.route.auth === 'app') {
      // The App's own endpoints take its JWT (Bearer), never a token, as on GitHub.
      const refusal = options.tokens === undefined ? 'no App configured' : options.tokens.checkJwt(presented);
      if (refusal !== undefined)
        throw new GithubApiError(401, `A JSON web token could not be decoded (${refusal})`);
    } else if (!(options.tokens?.accepts(presented) ?? tokenMatches(options.token, presented))) {
      Object.assign(headers, rateLimitHeaders(anonymousLimit.take()));
      throw new GithubApiError(401, 'Bad credentials');
    }
    headers['x-oauth-scopes'] = TOKEN_SCOPES;
    charge.later = method === 'GET' && found !== undefined && found.route.free !== true;
    const rate = found?.route.free === true || charge.later ? tokenLimit.peek() : tokenLimit.take();
    Object.assign(headers, rateLimitHeaders(rate));
    if (found === undefined) throw notFound();
    const body = await jsonBody(req);
    const urls = sandboxUrls(options.baseUrl());
    return found.route.handle({
      params: found.params,
      query: url.searchParams,
      publicUrl: new URL(`${urls.html}${url.pathname}${url.search}`),
      urls,
      state,
      rateLimit: rate,
      body,
      notify: (event, payload) => {
        const target = options.webhook?.();
        if (target === undefined) return;
        setImmediate(() => {
          void sendDeliveries({ ...target, log: options.log }, [{ event, id: randomUUID(), payload }]);
        });
      },
    });
  }

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) return false;
    const id = requestId();
    const headers: Record<string, string> = { ...STATIC_HEADERS, 'x-github-request-id': id };
    let status = 200;
    const charge = { later: false };
    const count = () => {
      if (charge.later) Object.assign(headers, rateLimitHeaders(tokenLimit.take()));
      charge.later = false;
    };
    try {
      const result = await answer(req, url, headers, charge);
      status = result.status ?? 200;
      let payload: string | undefined;
      let etag: string | undefined;
      if (status === 200 && req.method === 'GET') {
        // GitHub's validator for conditional requests: the same answer has the same (weak) ETag.
        payload = JSON.stringify(result.body);
        etag = `W/"${createHash('sha256').update(payload).digest('hex')}"`;
        const fresh = (req.headers['if-none-match'] ?? '')
          .split(',')
          .some((tag) => tag.trim() === etag || tag.trim() === '*');
        if (fresh) status = 304;
      }
      if (status !== 304) count();
      const out = { ...headers, ...result.headers, ...(etag === undefined ? {} : { etag }) };
      if (status === 204 || status === 304) {
        res.writeHead(status, out);
        res.end();
      } else sendJsonText(res, status, payload ?? JSON.stringify(result.body), out);
    } catch (err) {
      count();
      if (err instanceof GithubApiError) {
        status = err.status;
        sendJson(res, status, err.body(), headers);
      } else if (err instanceof ConfigError) {
        // A broken `<owner>.yaml` is the sandbox user's to fix: say which file and key, do not hide it.
        status = 500;
        log.warn({ err }, 'github sandbox metadata is invalid');
        sendJson(
          res,
          status,
          { message: err.message, documentation_url: GITHUB_DOCS_URL, status: '500' },
          headers,
        );
      } else {
        status = 500;
        log.error({ err, path: url.pathname }, 'github sandbox request failed');
        sendJson(
          res,
          status,
          { message: 'Server Error', documentation_url: GITHUB_DOCS_URL, status: '500' },
          headers,
        );
      }
    }
    log.debug({ method: req.method, path: url.pathname, status, requestId: id }, 'github api request');
    return true;
  };
}
