import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Gh2ccError } from '../util/errors.ts';
import { readBody, sendJson } from '../util/http-body.ts';
import type { SandboxHandler } from './types.ts';

/** Where each sandbox server takes fault rules: POST replaces them, GET lists them, DELETE clears them. */
export const FAULTS_PATH = '/__sandbox/faults';

export type FaultSide = 'github' | 'codecommit';
/** `throttle`: the service's rate limit answer; `server-error`: a 5xx; `reset`: the connection is cut unanswered. */
export type FaultKind = 'throttle' | 'server-error' | 'reset';

export interface FaultMatch {
  /** Only REST/JSON API requests (set alone: API only; unset with `git` unset: both). */
  readonly api?: boolean;
  /** Only git smart HTTP requests. */
  readonly git?: boolean;
  /**
   * CodeCommit API: the `X-Amz-Target` operation (`CreateRepository`). Git, either side: the service
   * (`git-upload-pack`, `git-receive-pack`), matching both the ref advertisement and the pack exchange.
   * GitHub REST requests carry no operation, so a rule naming one never matches them.
   */
  readonly operation?: string;
  /**
   * Part of the URL path (query left out) the request must contain: a repository (`/my-org/app.git/`,
   * `/v1/repos/app/`), or `/git-upload-pack` to hit only the pack exchange and not the ref advertisement.
   */
  readonly path?: string;
}

export interface FaultRule {
  readonly side: FaultSide;
  readonly kind: FaultKind;
  readonly match?: FaultMatch;
  /** How many matching requests fail; then the rule is spent. */
  readonly count: number;
  /**
   * Which status to answer with instead of the default. `server-error`: 500 or 503 (CodeCommit), 500, 502
   * or 503 (GitHub). `throttle` on GitHub: 403 (default) or 429 for the REST API; git is always 429.
   */
  readonly status?: number;
}

export interface FaultRuleState extends FaultRule {
  readonly remaining: number;
  readonly hits: number;
}

export interface FaultSnapshot {
  readonly rules: readonly FaultRuleState[];
  readonly hits: number;
}

const SERVER_ERROR_STATUSES: Readonly<Record<FaultSide, readonly number[]>> = {
  codecommit: [500, 503],
  github: [500, 502, 503],
};

const faultRuleSchema = z
  .object({
    side: z.enum(['github', 'codecommit']),
    kind: z.enum(['throttle', 'server-error', 'reset']),
    match: z
      .object({
        api: z.boolean().optional(),
        git: z.boolean().optional(),
        operation: z.string().min(1).optional(),
        path: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    count: z.number().int().min(1),
    status: z.number().int().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.status === undefined) return;
    const allowed =
      rule.kind === 'server-error'
        ? SERVER_ERROR_STATUSES[rule.side]
        : rule.kind === 'throttle' && rule.side === 'github'
          ? [403, 429]
          : [];
    if (!allowed.includes(rule.status)) {
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        message:
          allowed.length === 0
            ? `a ${rule.side} ${rule.kind} fault has a fixed status; leave status out`
            : `expected one of ${allowed.join(', ')} for a ${rule.side} ${rule.kind} fault`,
      });
    }
  });

const faultRulesSchema = z.object({ rules: z.array(faultRuleSchema) }).strict();

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Validates fault rules (from JSON or code); throws a usage error naming each bad field. */
export function parseFaultRules(rules: unknown): FaultRule[] {
  const parsed = faultRulesSchema.safeParse({ rules });
  if (!parsed.success) {
    throw new Gh2ccError('usage', `invalid fault rules: ${describeIssues(parsed.error)}`, {
      retryable: false,
    });
  }
  return parsed.data.rules;
}

type Channel = 'api' | 'git';

interface FaultTarget {
  readonly channel: Channel;
  readonly operation: string | undefined;
  readonly path: string;
}

function gitService(url: URL): string | undefined {
  const service = url.searchParams.get('service');
  if (service !== null) return service;
  return /\/(git-upload-pack|git-receive-pack)$/.exec(url.pathname)?.[1];
}

/**
 * API or git, told apart by path as the real hosts do: CodeCommit's JSON API is `POST /` with an
 * `X-Amz-Target`, its git is under `/v1/repos/`; GitHub's REST is under `/api/v3`, everything else is git.
 */
function targetOf(side: FaultSide, req: IncomingMessage): FaultTarget | undefined {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  if (side === 'codecommit') {
    const target = req.headers['x-amz-target'];
    if (req.method === 'POST' && url.pathname === '/' && typeof target === 'string') {
      return { channel: 'api', operation: target.slice(target.lastIndexOf('.') + 1), path: url.pathname };
    }
    if (url.pathname.startsWith('/v1/repos/'))
      return { channel: 'git', operation: gitService(url), path: url.pathname };
    return undefined;
  }
  if (url.pathname === '/api/v3' || url.pathname.startsWith('/api/v3/'))
    return { channel: 'api', operation: undefined, path: url.pathname };
  return { channel: 'git', operation: gitService(url), path: url.pathname };
}

function matches(rule: FaultRule, side: FaultSide, target: FaultTarget): boolean {
  if (rule.side !== side) return false;
  const m = rule.match ?? {};
  const wantApi = m.api ?? m.git !== true;
  const wantGit = m.git ?? m.api !== true;
  if (!(target.channel === 'api' ? wantApi : wantGit)) return false;
  return (
    (m.operation === undefined || m.operation === target.operation) &&
    (m.path === undefined || target.path.includes(m.path))
  );
}

function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

/** AWS JSON 1.1 error, as the SDK parses it: `__type` in the body and `x-amzn-ErrorType` in the headers. */
function codecommitApiError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(
    res,
    status,
    { __type: type, message },
    {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': type,
      date: new Date().toUTCString(),
    },
  );
}

const SECONDARY_RATE_LIMIT = {
  message:
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
  documentation_url:
    'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
};

/** Answers one request the way the real service fails (or cuts it off); `status` is the rule's override. */
function fail(
  side: FaultSide,
  channel: Channel,
  kind: Exclude<FaultKind, 'reset'>,
  status: number | undefined,
  res: ServerResponse,
): number {
  if (side === 'codecommit' && channel === 'api') {
    if (kind === 'throttle') {
      codecommitApiError(res, 400, 'ThrottlingException', 'Rate exceeded');
      return 400;
    }
    if (status === 503) {
      codecommitApiError(
        res,
        503,
        'ServiceUnavailable',
        'The request has failed due to a temporary failure of the server.',
      );
      return 503;
    }
    codecommitApiError(
      res,
      500,
      'InternalFailure',
      'The request processing has failed because of an unknown error, exception or failure.',
    );
    return 500;
  }
  if (side === 'github' && channel === 'api') {
    const headers = { 'x-github-request-id': randomUUID().toUpperCase() };
    if (kind === 'throttle') {
      // @octokit/plugin-throttling treats a 403 or 429 whose message says "secondary rate" as a secondary
      // rate limit and waits `retry-after` seconds before retrying.
      const code = status ?? 403;
      sendJson(
        res,
        code,
        { ...SECONDARY_RATE_LIMIT, status: String(code) },
        { ...headers, 'retry-after': '1' },
      );
      return code;
    }
    const code = status ?? 502;
    sendJson(res, code, { message: code === 503 ? 'Service Unavailable' : 'Server Error' }, headers);
    return code;
  }
  // git reports the status ("The requested URL returned error: 429") and a text/plain body as "remote: …".
  if (kind === 'throttle') {
    sendText(res, 429, side === 'codecommit' ? 'Rate Exceeded\n' : 'Too Many Requests\n', {
      'retry-after': '1',
    });
    return 429;
  }
  const code = status ?? (side === 'github' ? 502 : 500);
  sendText(
    res,
    code,
    code === 503 ? 'Service Unavailable\n' : code === 502 ? 'Bad Gateway\n' : 'Internal Server Error\n',
    {},
  );
  return code;
}

/** Reads and drops a request body, so a refusal arrives as an answer rather than as a broken upload. */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) {
      resolve();
      return;
    }
    req.once('end', resolve);
    req.once('close', resolve);
    req.once('error', () => resolve());
    req.resume();
  });
}

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (m === null) return false;
  const given = Buffer.from(m[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface FaultInjector {
  /** Replaces every rule (validated); hit counts start again from zero. */
  set(rules: readonly FaultRule[]): void;
  clear(): void;
  /** Requests failed on purpose by the current rules, optionally only of one side or kind. */
  hits(filter?: { readonly side?: FaultSide; readonly kind?: FaultKind }): number;
  snapshot(): FaultSnapshot;
  /**
   * The hook a sandbox server runs before its routes: answers the control endpoint, then fails the request
   * when a rule for this side matches. Returns true when the request is dealt with.
   */
  handler(side: FaultSide): SandboxHandler;
}

/**
 * One rule list shared by both sandbox servers, so a test can make GitHub and CodeCommit misbehave the way
 * the real services do and prove that gh2cc retries what is transient. Rules are tried in order; a request
 * spends at most one rule's count.
 */
export function createFaultInjector(options: {
  readonly token: string;
  readonly log: Logger;
  readonly rules?: readonly FaultRule[];
}): FaultInjector {
  let rules: { rule: FaultRule; remaining: number; hits: number }[] = [];
  const log = options.log;

  const snapshot = (): FaultSnapshot => ({
    rules: rules.map((r) => ({ ...r.rule, remaining: r.remaining, hits: r.hits })),
    hits: rules.reduce((n, r) => n + r.hits, 0),
  });
  const set = (next: readonly FaultRule[]): void => {
    rules = parseFaultRules(next).map((rule) => ({ rule, remaining: rule.count, hits: 0 }));
  };
  if (options.rules !== undefined) set(options.rules);

  async function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!bearerMatches(req, options.token)) {
      await drain(req);
      sendJson(res, 401, {
        message: 'Requires authentication: Authorization: Bearer <sandbox GitHub token>',
      });
      return;
    }
    if (req.method === 'GET') {
      sendJson(res, 200, snapshot());
    } else if (req.method === 'DELETE') {
      rules = [];
      sendJson(res, 200, snapshot());
    } else if (req.method === 'POST' || req.method === 'PUT') {
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8'));
      } catch {
        sendJson(res, 400, { message: 'expected a JSON body {"rules": [...]} under 64 KiB' });
        return;
      }
      const parsed = faultRulesSchema.safeParse(body);
      if (!parsed.success) {
        sendJson(res, 400, { message: `invalid fault rules: ${describeIssues(parsed.error)}` });
        return;
      }
      set(parsed.data.rules);
      log.info({ rules: parsed.data.rules.length }, 'sandbox fault rules replaced');
      sendJson(res, 200, snapshot());
    } else {
      await drain(req);
      res.setHeader('allow', 'GET, POST, PUT, DELETE');
      sendJson(res, 405, { message: 'Method Not Allowed' });
    }
  }

  return {
    set,
    clear() {
      rules = [];
    },
    hits(filter = {}) {
      return rules
        .filter(
          (r) =>
            (filter.side === undefined || r.rule.side === filter.side) &&
            (filter.kind === undefined || r.rule.kind === filter.kind),
        )
        .reduce((n, r) => n + r.hits, 0);
    },
    snapshot,
    handler(side) {
      return async (req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === FAULTS_PATH) {
          await control(req, res);
          return true;
        }
        const target = targetOf(side, req);
        if (target === undefined) return false;
        const entry = rules.find((r) => r.remaining > 0 && matches(r.rule, side, target));
        if (entry === undefined) return false;
        entry.remaining -= 1;
        entry.hits += 1;
        const { kind } = entry.rule;
        const where = { side, kind, channel: target.channel, operation: target.operation, url: req.url };
        if (kind === 'reset') {
          log.info(where, 'sandbox fault injected');
          // An RST rather than a FIN: clients report "connection reset by peer", as on a dropped link.
          req.socket.resetAndDestroy();
          return true;
        }
        await drain(req);
        const status = fail(side, target.channel, kind, entry.rule.status, res);
        log.info({ ...where, status }, 'sandbox fault injected');
        return true;
      };
    },
  };
}
