import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RepoState, SyncHistoryEntry } from '../../state/repo-state.ts';
import type { HttpServer } from '../create-http-server.ts';
import { html } from './html.ts';
import type { QueueStatus } from './queue-status.ts';
import { page, type StatusLinks } from './render-layout.ts';
import { renderOverview } from './render-overview.ts';
import { renderRepoPage } from './render-repo-page.ts';
import { parseListQuery, selectPage, type StateSnapshot } from './state-snapshot.ts';
import { STATUS_CSS, STATUS_ICON } from './status-css.ts';

export interface StatusPageOptions {
  /** Where the page lives: an absolute path ending in `/`. */
  readonly path: string;
  /** Checks the Authorization header; undefined: the page is open. */
  readonly authorize?: (authorization: string | undefined) => boolean;
  readonly snapshot: () => Promise<StateSnapshot>;
  readonly repo: (fullName: string) => Promise<RepoState | undefined>;
  readonly history: (fullName: string) => Promise<readonly SyncHistoryEntry[]>;
  /** Undefined when the queues cannot be read right now. */
  readonly queues: () => Promise<readonly QueueStatus[] | undefined>;
  readonly links: StatusLinks;
  /** Repositories per page of the table (default 100). */
  readonly pageSize?: number;
  readonly now?: () => number;
}

/**
 * No script runs on the page and nothing loads from elsewhere: the stylesheet is gh2cc's own, forms submit
 * to gh2cc, and the page cannot be framed.
 */
export const STATUS_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function secured(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', STATUS_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store');
}

/** The read-only status page: `<path>` (the table), `<path>repos/<owner>/<name>` and its stylesheet. */
export function registerStatusRoutes(app: HttpServer, options: StatusPageOptions): void {
  const base = options.path;
  const pageSize = options.pageSize ?? 100;
  const now = options.now ?? Date.now;
  const authorize = options.authorize;

  // An early answer from an async hook is given by returning the reply (fastify then skips the handler).
  const requireAuth = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    if (authorize === undefined || authorize(request.headers.authorization)) return undefined;
    return secured(reply)
      .code(401)
      .header('www-authenticate', 'Basic realm="gh2cc"')
      .type('text/html; charset=utf-8')
      .send(page(base, 'gh2cc: sign in', html`<h1>Sign in to see the gh2cc status page</h1>`));
  };

  const unavailable = (request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply => {
    request.log.warn({ err }, 'status page: could not read the mirror state');
    return secured(reply)
      .code(503)
      .type('text/html; charset=utf-8')
      .send(
        page(
          base,
          'gh2cc: unavailable',
          html`<h1>The mirror state cannot be read right now</h1>
            <p>Redis did not answer; try again shortly.</p>`,
        ),
      );
  };

  app.get(`${base}status.css`, async (_request, reply) => {
    return secured(reply)
      .header('cache-control', 'public, max-age=300')
      .type('text/css; charset=utf-8')
      .send(STATUS_CSS);
  });

  app.get(`${base}favicon.svg`, async (_request, reply) => {
    return secured(reply)
      .header('cache-control', 'public, max-age=86400')
      .type('image/svg+xml')
      .send(STATUS_ICON);
  });

  // `/status` (no slash) for a page at `/status/`: the relative links below need the slash.
  if (base !== '/')
    app.get(base.slice(0, -1), { onRequest: requireAuth }, async (_request, reply) =>
      secured(reply).redirect(base, 301),
    );

  app.get(base, { onRequest: requireAuth }, async (request, reply) => {
    const query = parseListQuery(request.query as Record<string, unknown>);
    let snapshot: StateSnapshot;
    let queues: readonly QueueStatus[] | undefined;
    try {
      [snapshot, queues] = await Promise.all([options.snapshot(), options.queues()]);
    } catch (err) {
      return unavailable(request, reply, err);
    }
    const list = selectPage(snapshot, query, pageSize);
    return secured(reply)
      .type('text/html; charset=utf-8')
      .send(renderOverview({ base, snapshot, query, list, queues, links: options.links, now: now() }));
  });

  app.get<{ Params: { owner: string; name: string } }>(
    `${base}repos/:owner/:name`,
    { onRequest: requireAuth },
    async (request, reply) => {
      const fullName = `${request.params.owner}/${request.params.name}`;
      let state: RepoState | undefined;
      let history: readonly SyncHistoryEntry[];
      try {
        [state, history] = await Promise.all([options.repo(fullName), options.history(fullName)]);
      } catch (err) {
        return unavailable(request, reply, err);
      }
      if (state === undefined) {
        return secured(reply)
          .code(404)
          .type('text/html; charset=utf-8')
          .send(
            page(
              base,
              'gh2cc: not mirrored',
              html`<p><a href="${base}">← all mirrors</a></p>
                <h1>${fullName} is not mirrored by gh2cc</h1>`,
            ),
          );
      }
      return secured(reply)
        .type('text/html; charset=utf-8')
        .send(renderRepoPage({ base, state, history, links: options.links, now: now() }));
    },
  );
}
