import type { Command } from 'commander';
import { requireKeys } from '../config/load-config.ts';
import { REDIS_REQUIREMENT } from '../config/requirements.ts';
import { PROCESSED_QUEUES } from '../jobs/queues.ts';
import { addAwsOptions, awsOverrides } from './aws-options.ts';
import type { CliContext } from './cli-context.ts';
import { addWorkerOptions, type DaemonCliOptions } from './daemon-options.ts';
import { loadCliConfig } from './load-cli-config.ts';
import { stopRequested } from './stop-signals.ts';
import { boundHeapGrowth } from '../util/heap-growth.ts';
import { parseLogLevel, parsePort } from './parse-options.ts';

interface DaemonFlags extends DaemonCliOptions {
  worker?: boolean;
  schedules?: boolean;
  http?: boolean;
  port?: number;
  host?: string;
  reconcileEvery?: string;
  driftEvery?: string;
}

/** `worker` and `daemon` are one composition with different parts switched on. */
async function runDaemonCli(
  opts: DaemonFlags,
  parts: { worker: boolean; schedules: boolean; http: boolean },
  ctx: CliContext,
): Promise<void> {
  const config = await loadCliConfig(
    opts.config,
    {
      ...awsOverrides(opts),
      'redis.url': opts.redisUrl,
      'mirror.cacheDir': opts.cacheDir,
      'daemon.concurrency': opts.concurrency,
      'server.port': opts.port,
      'server.host': opts.host,
      'daemon.reconcileEvery': opts.reconcileEvery,
      'daemon.driftEvery': opts.driftEvery,
    },
    ctx.env,
  );
  requireKeys(config, [REDIS_REQUIREMENT]);
  // Where jobs run (a reconcile lists the whole org); `serve` alone keeps V8's default, tuned for throughput.
  if (parts.worker) boundHeapGrowth();
  // Set: checked just above (a dotted key cannot narrow the type).
  const redisUrl = config.redis.url as string;
  // Buffered lines: the HTTP part logs every webhook delivery, and a burst must not block on stderr.
  // Loaded here, not at start: every other command (and --help) would pay for BullMQ, fastify and the SDKs.
  const { createLogger } = await import('../util/logger.ts');
  const { startWorkers } = await import('../../workers/start-workers.ts');
  const log = createLogger({ level: (opts.logLevel ?? config.log.level) as 'info', sync: !parts.http });
  const { startDaemon } = await import('../daemon/start-daemon.ts');
  const queues = opts.queues ?? PROCESSED_QUEUES;
  const stop = stopRequested();
  const starting = startDaemon({
    config,
    log,
    redisUrl,
    lockDurationMs: opts.lockDuration,
    parts,
    startWorkers: (jobCtx, q, observer) =>
      startWorkers(jobCtx, q, {
        redisUrl,
        cluster: config.redis.cluster,
        queues,
        concurrency: config.daemon.concurrency,
        observer,
      }),
  });
  // A signal while starting (say, Redis unreachable, so the workers never get ready): nothing has taken a
  // job yet, so there is nothing to hand back.
  const first = await Promise.race([
    starting.then((d) => ({ daemon: d })),
    stop.then((s) => ({ signal: s })),
  ]);
  if ('signal' in first) {
    log.info({ signal: first.signal }, 'stopped before it was ready (nothing was running yet)');
    setTimeout(() => process.exit(), 100).unref();
    return;
  }
  const { daemon } = first;
  log.info(
    { queues: parts.worker ? queues : [], concurrency: config.daemon.concurrency, url: daemon.url },
    'ready',
  );
  const signal = await stop;
  log.info(
    { signal, graceMs: opts.shutdownGrace },
    'stopping: no new jobs; current ones finish or are handed back',
  );
  try {
    await daemon.close(opts.shutdownGrace);
    log.info('stopped');
  } finally {
    // Everything gh2cc owns is closed (or failed to close); a Redis client still retrying a dead server, or
    // a stuck socket, must not keep the process alive.
    setTimeout(() => process.exit(), 1000).unref();
  }
}

export function registerWorkerCommand(program: Command, ctx: CliContext): void {
  addWorkerOptions(
    program
      .command('worker')
      .description(
        `Process gh2cc jobs (${PROCESSED_QUEUES.join(', ')}) from Redis; scale out by running more of them`,
      ),
    PROCESSED_QUEUES,
  ).action(async (opts: DaemonFlags) => {
    await runDaemonCli(opts, { worker: true, schedules: false, http: false }, ctx);
  });
}

export function registerServeCommand(program: Command, ctx: CliContext): void {
  addAwsOptions(program.command('serve'))
    .description(
      "HTTP only: GitHub's webhook deliveries become jobs in Redis (POST /webhooks/github), plus /healthz, /readyz, /metrics and the status page (/)",
    )
    .option('-c, --config <file>', 'YAML config file')
    .option(
      '--redis-url <url>',
      'Redis holding the queues (env REDIS_URL, which keeps a password out of the process list; rediss:// for TLS)',
    )
    .option('--port <port>', 'HTTP port (env GH2CC_PORT, default 8080)', parsePort)
    .option('--host <address>', 'HTTP listen address (env GH2CC_HOST, default 0.0.0.0)')
    .option(
      '--log-level <level>',
      'log level (JSON lines on stderr; default log.level / GH2CC_LOG_LEVEL)',
      parseLogLevel,
    )
    .action(async (opts: DaemonFlags) => {
      await runDaemonCli(
        { ...opts, lockDuration: 30_000, shutdownGrace: 5000 },
        { worker: false, schedules: false, http: true },
        ctx,
      );
    });
}

export function registerDaemonCommand(program: Command, ctx: CliContext): void {
  addWorkerOptions(
    program
      .command('daemon')
      .description(
        'Keep CodeCommit mirrored: workers, the scheduled org reconcile, and HTTP (/healthz, /readyz, /metrics, the status page at /) in one process',
      ),
    PROCESSED_QUEUES,
  )
    .option('--port <port>', 'HTTP port (env GH2CC_PORT, default 8080)', parsePort)
    .option('--host <address>', 'HTTP listen address (env GH2CC_HOST, default 0.0.0.0)')
    .option('--no-worker', 'do not process jobs here (run `gh2cc worker` processes instead)')
    .option('--no-schedules', 'do not install the reconcile and drift schedules')
    .option('--no-http', 'do not serve HTTP')
    .option(
      '--reconcile-every <schedule>',
      'org reconcile: a duration (30s, 15m) or a cron expression (default 15m)',
    )
    .option('--drift-every <schedule>', 'drift check: a duration (1h) or a cron expression (default 1h)')
    .action(async (opts: DaemonFlags) => {
      await runDaemonCli(
        opts,
        { worker: opts.worker !== false, schedules: opts.schedules !== false, http: opts.http !== false },
        ctx,
      );
    });
}
