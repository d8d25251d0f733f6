import { verifyWithFallback } from '@octokit/webhooks-methods';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SourceRepo } from '../core/repo-filter.ts';
import {
  routeWebhook,
  type RepoChange,
  type RoutingContext,
  type WebhookPayload,
  type WebhookRoute,
} from '../core/webhook-routing.ts';
import type { HttpServer } from './create-http-server.ts';
import type { Gh2ccMetrics } from './create-metrics.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { withDeadline } from '../util/deadline.ts';

/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/** Where verified deliveries go: each call puts one job in Redis. */
export interface WebhookEnqueue {
  sync(source: SourceRepo): Promise<void>;
  repository(change: RepoChange): Promise<void>;
  iam(event: string): Promise<void>;
}

export interface WebhookRouteOptions {
  readonly path: string;
  /** Every secret accepted right now: more than one while a secret is being rotated. */
  readonly secrets: readonly string[];
  readonly routing: RoutingContext;
  readonly deliveries: DeliveryLog;
  readonly enqueue: WebhookEnqueue;
  /** False while Redis is unreachable: the delivery is refused with 503 at once (the reconcile catches up). */
  redisReady(): boolean;
  readonly metrics: Gh2ccMetrics;
  /** How long Redis may take to take a job before the delivery is answered 503 (default 3 s). */
  readonly enqueueTimeoutMs?: number;
}

// Metric labels stay bounded whatever a client sends in X-GitHub-Event.
const KNOWN_EVENTS = new Set([
  'ping',
  'push',
  'create',
  'delete',
  'repository',
  'team',
  'team_add',
  'membership',
  'member',
  'organization',
]);

type Outcome = 'queued' | 'ignored' | 'duplicate' | 'ping' | 'rejected' | 'unavailable';

class Unavailable extends Error {
  override name = 'Unavailable';
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return withDeadline(work, ms, () => new Unavailable(`Redis did not answer within ${ms} ms`));
}

/** The JSON body: sent as is (`application/json`) or as the `payload` field of a form. */
function parsePayload(body: string, contentType: string): WebhookPayload | undefined {
  let text = body;
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const field = new URLSearchParams(text).get('payload');
    if (field === null) return undefined;
    text = field;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `POST <path>`: GitHub's webhook deliveries. The HMAC (`X-Hub-Signature-256`, any configured secret) is
 * checked over the raw body before anything is parsed; then the delivery is routed, its id claimed (a
 * redelivery does nothing twice) and one job put in Redis. The request never waits for git or GitHub.
 */
export function registerWebhookRoute(app: HttpServer, options: WebhookRouteOptions): void {
  const [first, ...others] = options.secrets;
  if (first === undefined) throw new Error('registerWebhookRoute needs at least one secret');
  const timeoutMs = options.enqueueTimeoutMs ?? 3000;
  const outcomes = new WeakMap<FastifyRequest, Outcome>();
  const { metrics } = options;

  const answer = (
    request: FastifyRequest,
    reply: FastifyReply,
    code: number,
    outcome: Outcome,
    body: Record<string, unknown>,
  ): FastifyReply => {
    outcomes.set(request, outcome);
    return reply.code(code).header('cache-control', 'no-store').send(body);
  };

  async function enqueue(route: WebhookRoute): Promise<string> {
    switch (route.kind) {
      case 'sync':
        await options.enqueue.sync(route.source);
        return 'sync';
      case 'repository':
        await options.enqueue.repository(route.change);
        return 'repository';
      case 'iam':
        await options.enqueue.iam(route.event);
        return 'iam';
      default:
        return 'none';
    }
  }

  app.register((scope, _options, done) => {
    // Bodies stay raw bytes here: the signature is over exactly what GitHub sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES },
      (_request, body, done) => done(null, body),
    );
    scope.addHook('onResponse', async (request, reply) => {
      const event = header(request, 'x-github-event') ?? '';
      metrics.webhookDeliveries.inc({
        event: KNOWN_EVENTS.has(event) ? event : 'other',
        outcome: outcomes.get(request) ?? (reply.statusCode >= 500 ? 'unavailable' : 'rejected'),
      });
    });

    scope.post(options.path, { bodyLimit: MAX_WEBHOOK_BYTES }, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signature = header(request, 'x-hub-signature-256');
      // Decoded once: the signature is checked over this text, and the same text is parsed.
      const text = raw.toString('utf8');
      const valid =
        signature !== undefined &&
        text !== '' &&
        (await verifyWithFallback(first, text, signature, others)) === true;
      if (!valid) {
        metrics.webhookSignatureFailures.inc();
        return answer(request, reply, 401, 'rejected', {
          message: 'missing or wrong X-Hub-Signature-256',
        });
      }
      const event = header(request, 'x-github-event');
      const id = header(request, 'x-github-delivery');
      if (event === undefined || id === undefined || id.length > 200)
        return answer(request, reply, 400, 'rejected', {
          message: 'X-GitHub-Event and X-GitHub-Delivery headers are required',
        });
      // The request's logger carries the delivery id already (its request id; see createHttpServer).
      const log = request.log;
      const payload = parsePayload(text, request.headers['content-type'] ?? '');
      if (payload === undefined)
        return answer(request, reply, 400, 'rejected', { message: 'the body is not a JSON object' });

      const route = routeWebhook(event, payload, options.routing);
      if (route.kind === 'ping') return answer(request, reply, 200, 'ping', { status: 'pong' });
      if (route.kind === 'ignore') {
        log.debug({ event, reason: route.reason }, 'webhook delivery ignored');
        return answer(request, reply, 202, 'ignored', { status: 'ignored', reason: route.reason });
      }
      if (!options.redisReady())
        return answer(request, reply, 503, 'unavailable', { message: 'Redis is unreachable; try later' });
      const started = performance.now();
      // Unknown until Redis answers: a claim that timed out may still land, and must not block a redelivery.
      let claimed: boolean | undefined;
      try {
        claimed = await withTimeout(options.deliveries.claim(id), timeoutMs);
        if (!claimed) {
          log.info({ event }, 'webhook delivery already handled (redelivery)');
          return answer(request, reply, 202, 'duplicate', { status: 'duplicate' });
        }
        const job = await withTimeout(enqueue(route), timeoutMs);
        metrics.webhookEnqueueSeconds.observe((performance.now() - started) / 1000);
        const repo =
          route.kind === 'sync'
            ? route.source.fullName
            : route.kind === 'repository'
              ? route.change.action === 'gone'
                ? route.change.repo
                : route.change.source.fullName
              : undefined;
        log.info({ event, repo, job }, 'webhook delivery queued');
        return answer(request, reply, 202, 'queued', { status: 'queued', job });
      } catch (err) {
        // Not queued: the claim is given back so GitHub's redelivery (or a manual one) is acted on.
        if (claimed !== false) await options.deliveries.release(id).catch(() => undefined);
        log.warn(
          { event, err: err instanceof Error ? err.message : String(err) },
          'webhook delivery not queued',
        );
        return answer(request, reply, 503, 'unavailable', {
          message: 'could not queue the delivery; try later',
        });
      }
    });
    done();
  });
}
