import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { Gh2ccError } from '../util/errors.ts';
import { addSecret } from '../util/secrets.ts';

/**
 * gh2cc's keys all live under one hash tag (`redis.prefix`, default `{gh2cc}`), so every key a BullMQ script
 * touches lands in the same slot on Redis Cluster / ElastiCache cluster mode.
 */
export const DEFAULT_PREFIX = '{gh2cc}';

/** A connection to a single Redis server or to a Redis Cluster; BullMQ and the repo lock accept either. */
export type RedisClient = Redis | Cluster;

export interface CreateRedisOptions {
  /** `url` names one or more cluster seed nodes, comma-separated (`redis://h1:7000,h2:7001`). */
  cluster?: boolean;
  /**
   * For one-shot commands (`gh2cc status`, `gh2cc sync`): a command fails after a few reconnect attempts
   * instead of waiting for Redis forever, as a long-running worker should.
   */
  failFast?: boolean;
}

function limits(
  failFast: boolean | undefined,
): Pick<RedisOptions, 'maxRetriesPerRequest' | 'retryStrategy' | 'connectTimeout' | 'disconnectTimeout'> {
  return failFast === true
    ? {
        maxRetriesPerRequest: 2,
        connectTimeout: 5000,
        // ioredis waits this long for a socket that never opened to close, holding the command's exit (2 s).
        disconnectTimeout: 100,
        retryStrategy: (times) => (times > 3 ? null : backoff(times)),
      }
    : { maxRetriesPerRequest: null, retryStrategy: backoff };
}

interface Seed {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

const URL_FIX =
  'use redis://[:PASSWORD@]HOST:PORT, rediss:// for TLS or unix:///PATH/TO/SOCKET; percent-encode special characters in the password';

/**
 * The URL as it may appear in a log line: every password (in the authority or a `password=` query
 * parameter) becomes `***`. Works on comma-separated seed lists and on strings that are not valid URLs.
 */
export function redisSeedLabel(url: string): string {
  // Greedy up to the last `@` of a seed, so an unencoded `@` or `/` in the password cannot leak its tail.
  return url
    .replace(/((?:^|,)\s*(?:[a-z]+:\/\/)?)([^/@,:]*:)[^,]*@/gi, '$1$2***@')
    .replace(/([?&]password=)[^&,]*/gi, '$1***');
}

function invalid(url: string, why: string, fix = URL_FIX): Gh2ccError {
  return new Gh2ccError('config', `not a usable Redis URL (${why}): ${redisSeedLabel(url)}`, {
    retryable: false,
    fix,
  });
}

function decode(url: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch (err) {
    throw new Gh2ccError('config', `Redis URL has a malformed %-escape: ${redisSeedLabel(url)}`, {
      retryable: false,
      cause: err,
      fix: 'percent-encode the password (a literal % is %25)',
    });
  }
}

function parseUrl(url: string): URL {
  if (!/^(rediss?|unix):\/\//.test(url)) throw invalid(url, 'unknown scheme');
  try {
    return new URL(url);
  } catch (err) {
    const fix = url.includes(',')
      ? `${URL_FIX}; to list several cluster seed nodes set redis.cluster (GH2CC_REDIS_CLUSTER=true)`
      : URL_FIX;
    throw new Gh2ccError('config', `not a usable Redis URL: ${redisSeedLabel(url)}`, {
      retryable: false,
      cause: err,
      fix,
    });
  }
}

/** Registers every form of the URL's password with the log sanitizer, and returns it decoded. */
function registerPassword(url: string, parsed: URL): { username?: string; password?: string } {
  const query = parsed.searchParams.get('password') ?? undefined;
  const raw = parsed.password === '' ? query : parsed.password;
  if (raw === undefined) {
    return parsed.username === '' ? {} : { username: decode(url, parsed.username) };
  }
  // Register before decoding can throw, so even a failing URL never prints its password.
  addSecret(raw);
  const password = parsed.password === '' ? raw : decode(url, raw);
  addSecret(password);
  return {
    ...(parsed.username === '' ? {} : { username: decode(url, parsed.username) }),
    password,
  };
}

function parseSeed(url: string, text: string): Seed {
  const parsed = parseUrl(text);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw invalid(url, 'a cluster seed must be redis:// or rediss://');
  }
  if (parsed.hostname === '') throw invalid(url, 'no host');
  const { username, password } = registerPassword(url, parsed);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    tls: parsed.protocol === 'rediss:',
    username,
    password,
  };
}

/** `redis://:pw@h1:7000,h2:7001` or full URLs comma-separated; bare `host:port` seeds take the first's scheme. */
function parseSeeds(url: string): Seed[] {
  const parts = url
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const first = parts[0];
  if (first === undefined) throw invalid(url, 'no seed nodes');
  const scheme = /^[a-z]+:\/\//.exec(first)?.[0] ?? '';
  return parts.map((p) => parseSeed(url, /^[a-z]+:\/\//.test(p) ? p : `${scheme}${p}`));
}

/** Reconnect forever with capped backoff: a Redis restart or failover must not end a long-running daemon. */
function backoff(times: number): number {
  return Math.min(100 * times, 2000);
}

/**
 * On an ElastiCache/Sentinel failover the old primary answers writes with READONLY until we reconnect and
 * find the new one; reconnect and resend the command instead of failing the job.
 */
function reconnectOnReadonly(err: Error): 2 | false {
  return err.message.includes('READONLY') ? 2 : false;
}

function createCluster(url: string, name: string, failFast: boolean | undefined): Cluster {
  const seeds = parseSeeds(url);
  const withAuth = seeds.find((s) => s.password !== undefined || s.username !== undefined);
  const tls = seeds.some((s) => s.tls);
  return new Cluster(
    seeds.map((s) => ({ host: s.host, port: s.port })),
    {
      redisOptions: {
        ...(withAuth?.username === undefined ? {} : { username: withAuth.username }),
        ...(withAuth?.password === undefined ? {} : { password: withAuth.password }),
        ...(tls ? { tls: {} } : {}),
        maxRetriesPerRequest: limits(failFast).maxRetriesPerRequest ?? null,
        ...(failFast === true ? { disconnectTimeout: limits(true).disconnectTimeout } : {}),
        connectionName: name,
        reconnectOnError: reconnectOnReadonly,
      },
      enableReadyCheck: true,
      clusterRetryStrategy: failFast === true ? (times) => (times > 3 ? null : backoff(times)) : backoff,
      // Keep node host names unresolved so TLS certificates (issued for names, not IPs) verify; AWS advises
      // this for ElastiCache, and it changes nothing for plain IP seeds.
      dnsLookup: (address, callback) => callback(null, address),
    },
  );
}

function createSingle(url: string, name: string, failFast: boolean | undefined): Redis {
  const parsed = parseUrl(url);
  const auth = registerPassword(url, parsed);
  const common: RedisOptions = {
    ...limits(failFast),
    enableReadyCheck: true,
    connectionName: name,
    lazyConnect: false,
    reconnectOnError: reconnectOnReadonly,
  };
  if (parsed.protocol === 'unix:') {
    // ioredis reads unix:// as a host named "unix"; it wants the socket path instead.
    if (parsed.pathname === '' || parsed.pathname === '/') throw invalid(url, 'no socket path');
    const db = parsed.searchParams.get('db');
    return new Redis({
      ...common,
      ...auth,
      path: decode(url, parsed.pathname),
      ...(db === null ? {} : { db: Number(db) }),
    });
  }
  if (parsed.hostname === '') throw invalid(url, 'no host');
  // ioredis parses the URL itself (password decoding, db from the path, TLS for rediss://).
  return new Redis(url, common);
}

/**
 * An ioredis connection as BullMQ workers need it: no per-command retry limit, reconnecting forever. The URL's
 * password is registered with the log sanitizer before anything connects.
 */
export function createRedis(
  url: string,
  name: string,
  options?: { cluster?: false; failFast?: boolean },
): Redis;
export function createRedis(
  url: string,
  name: string,
  options: { cluster: true; failFast?: boolean },
): Cluster;
export function createRedis(url: string, name: string, options?: CreateRedisOptions): RedisClient;
export function createRedis(url: string, name: string, options: CreateRedisOptions = {}): RedisClient {
  const client =
    options.cluster === true
      ? createCluster(url, name, options.failFast)
      : createSingle(url, name, options.failFast);
  if (options.failFast === true) {
    // A one-shot command's connection errors surface as its commands' failures (see `reachable`), not as
    // ioredis's "Unhandled error event" stack traces on every reconnect attempt.
    client.on('error', (err: Error) => lastErrors.set(client, err));
  }
  return client;
}

const lastErrors = new WeakMap<RedisClient, Error>();

/**
 * Resolves once a fail-fast connection (`failFast: true`) answers; otherwise throws a clear error naming the
 * Redis (password hidden), why it could not be reached, and the fix — not ioredis's retry-limit message.
 */
export async function reachable(redis: RedisClient, url: string): Promise<void> {
  try {
    await redis.ping();
  } catch (err) {
    const why = lastErrors.get(redis)?.message ?? (err instanceof Error ? err.message : String(err));
    throw new Gh2ccError('network', `Redis at ${redisSeedLabel(url)} is unreachable: ${why}`, {
      retryable: true,
      cause: err,
      fix: 'start Redis there, or point --redis-url / REDIS_URL at the Redis the gh2cc daemon and workers use',
    });
  }
}

/**
 * A second connection to the same Redis (or Cluster) that sends every command issued in one event-loop turn
 * in one write (ioredis auto-pipelining). For the webhook's own commands (delivery claims, request marks): a
 * burst of deliveries then costs one socket write per turn instead of one per command. BullMQ keeps its
 * plain connection: auto-pipelining is not something BullMQ is tested with.
 */
export function autoPipelined(redis: RedisClient, name: string): RedisClient {
  return redis instanceof Cluster
    ? redis.duplicate(undefined, {
        enableAutoPipelining: true,
        redisOptions: { ...redis.options.redisOptions, connectionName: name },
      })
    : redis.duplicate({ enableAutoPipelining: true, connectionName: name });
}
