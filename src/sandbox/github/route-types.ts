import type { StateSource } from './github-state.ts';
import { pageOf, readPageRequest } from './pagination.ts';
import type { RateLimitState } from './rate-limit.ts';
import type { SandboxUrls } from './sandbox-urls.ts';

export interface RouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The request's absolute public URL, for `Link` headers. */
  readonly publicUrl: URL;
  readonly urls: SandboxUrls;
  readonly state: StateSource;
  /** The core rate limit after this request was counted. */
  readonly rateLimit: RateLimitState;
  /** The JSON request body of POST/PATCH (undefined for GET/DELETE or an empty body). */
  readonly body: unknown;
  /** Sends an organization webhook delivery (after the answer, as GitHub does), when webhooks are configured. */
  readonly notify: (event: string, payload: Record<string, unknown>) => void;
}

export interface RouteResult {
  readonly body: unknown;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Route {
  /** e.g. `/repos/:owner/:repo/branches/*branch`; matched against the path after `/api/v3`. */
  readonly pattern: string;
  /** GET (the default, which also answers HEAD), or the write method this route answers. */
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly handle: (ctx: RouteContext) => Promise<RouteResult>;
  /** `app`: authenticated with the GitHub App's JWT (Bearer), never with a token. */
  readonly auth?: 'app';
  /** GitHub does not count some endpoints (`/rate_limit`) against the limit. */
  readonly free?: boolean;
}

export function param(ctx: RouteContext, name: string): string {
  return ctx.params[name] ?? '';
}

/**
 * Answers one page of `all`. `render` runs only for the items on the page, so expensive per-item work (git
 * processes) scales with `per_page`, not with the size of the organization.
 */
export async function paged<T>(
  ctx: RouteContext,
  all: readonly T[],
  render: (items: T[]) => Promise<unknown[]> | unknown[],
): Promise<RouteResult> {
  const page = pageOf(all, readPageRequest(ctx.query), ctx.publicUrl);
  const body = await render(page.items);
  return { body, headers: page.link === undefined ? {} : { link: page.link } };
}
