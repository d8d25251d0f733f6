import type { Command } from 'commander';
import type { CliContext } from './main.ts';
import { loadCliConfig } from './config-command.ts';
import { parsePositiveInt } from './parse-options.ts';
import { createLogger } from '../util/logger.ts';
import { ConfigError } from '../util/errors.ts';

export function registerWorkerCommand(program: Command, _ctx: CliContext): void {
  program
    .command('worker')
    .description(
      'Run a BullMQ worker that processes per-repository migration jobs from Redis (scale out: run more)',
    )
    .option('-c, --config <file>', 'YAML config file')
    .option('--redis-url <url>', 'Redis to take jobs from (env REDIS_URL)')
    .option('--concurrency <n>', 'jobs at once in this process', parsePositiveInt, 2)
    .option(
      '--lock-duration <ms>',
      'how long a job stays owned without renewal; a dead worker’s job is retaken after it',
      parsePositiveInt,
      30_000,
    )
    .option('--log-level <level>', 'log level (JSON lines on stderr; default log.level / GH2CC_LOG_LEVEL)')
    .action(
      async (opts: {
        config?: string;
        redisUrl?: string;
        concurrency: number;
        lockDuration: number;
        logLevel: string;
      }) => {
        const config = await loadCliConfig(opts.config, { 'redis.url': opts.redisUrl });
        const redisUrl = config.redis.url;
        if (redisUrl === undefined)
          throw new ConfigError([
            { path: 'redis.url', message: 'required: where the job queue lives (--redis-url or REDIS_URL)' },
          ]);
        const log = createLogger({ level: (opts.logLevel ?? config.log.level) as 'info' });
        const { createMigrationContext } = await import('../migrate/migration-context.ts');
        const { startMigrateWorker } = await import('../../workers/migrate-worker.ts');
        const running = startMigrateWorker(createMigrationContext(config, log), {
          redisUrl,
          prefix: config.redis.prefix,
          concurrency: opts.concurrency,
          lockDurationMs: opts.lockDuration,
        });
        await running.worker.waitUntilReady();
        log.info({ concurrency: opts.concurrency }, 'worker ready; waiting for jobs');
        await new Promise<void>((done) => {
          const stop = (signal: string): void => {
            log.info({ signal }, 'finishing current jobs, then exiting');
            done();
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
        await running.close();
        log.info('worker stopped');
      },
    );
}
