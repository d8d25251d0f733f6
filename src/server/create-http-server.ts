import { randomUUID } from 'node:crypto';
import {
  fastify,
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Logger } from '../util/logger.ts';
import type { Gh2ccMetrics } from './create-metrics.ts';

/** Named checks, each true when that dependency (Redis, ...) is usable. */
export type ReadinessChecks = Record<string, boolean>;

export interface HttpServerOptions {
  log: Logger;
  metrics: Gh2ccMetrics;
  /** Aborted once the server stops waiting, so a check can give up its own work too. */
  readiness: (signal: AbortSignal) => Promise<ReadinessChecks>;
  /** Fastify's `trustProxy`: set behind a load balancer so request IPs and protocol are the client's. */
  trustProxy?: boolean | string;
  /** Largest request body accepted; fastify's default (1 MiB) when unset. */
  bodyLimitBytes?: number;
  /** How long /readyz waits for `readiness`; load balancers time out probes after a few seconds. */
  readinessTimeoutMs?: number;
}

/** The HTTP server; routes beyond the built-in ones (webhooks, status page) are added by the caller. */
export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger
>;

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const timeoutMs = options.readinessTimeoutMs ?? 2000;
  const app: HttpServer = fastify({
    loggerInstance: options.log.child({ component: 'http' }),
    logController: new QuietRequestLog(),
    // A webhook delivery's request id is GitHub's delivery id: the request's child logger carries it on every
    // line about that delivery. Anything else (or a header that does not look like an id) gets a fresh one.
    genReqId: (req) => {
      const delivery = req.headers['x-github-delivery'];
      return typeof delivery === 'string' && /^[A-Za-z0-9-]{1,100}$/.test(delivery) ? delivery : randomUUID();
    },
    requestIdLogLabel: 'reqId',
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    ...(options.bodyLimitBytes === undefined ? {} : { bodyLimit: options.bodyLimitBytes }),
  });

  // Liveness only: touching Redis here would get a healthy process restarted when Redis blips.
  app.get('/healthz', async (_request, reply) => {
    return reply.header('cache-control', 'no-store').send({ status: 'ok' });
  });

  app.get('/readyz', async (request, reply) => {
    const checks = await runReadiness(options.readiness, timeoutMs, request.log);
    const ready = Object.values(checks).every(Boolean);
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_request, reply) => {
    const { registry } = options.metrics;
    const text = await registry.metrics();
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
  });

  return app;
}

// A check that throws or hangs means "not ready", reported as the `readiness` check itself.
async function runReadiness(
  readiness: HttpServerOptions['readiness'],
  timeoutMs: number,
  log: HttpServer['log'],
): Promise<ReadinessChecks> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await Promise.race([readiness(signal), rejectOnAbort(signal)]);
  } catch (error) {
    log.warn({ err: error, timeoutMs }, 'readiness check failed or timed out');
    return { readiness: false };
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

// Probes and scrapes arrive every few seconds: one line per request at info would drown the log, so
// request lines go to debug. Failures keep fastify's error-level lines (unlike disableRequestLogging).
class QuietRequestLog extends LogController {
  override incomingRequest(): void {
    // The completion line below carries everything worth knowing about a request.
  }

  // A client's own mistake that fastify turns into a 4xx (a wrong content type, an oversize body) is the
  // client's to fix: one line saying why, without the stack fastify would log. 5xx keep theirs.
  override defaultErrorLog(
    error: Error,
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (reply.statusCode >= 500) {
      super.defaultErrorLog(error, request, reply, metadata);
      return;
    }
    const code = (error as { code?: unknown }).code;
    reply.log.info(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        reason: error.message,
        ...(typeof code === 'string' ? { code } : {}),
      },
      'request refused',
    );
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const fields = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      ms: reply.elapsedTime,
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request failed');
    else request.log.debug(fields, 'request completed');
  }
}
