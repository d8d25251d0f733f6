import { InvalidArgumentError, type Command } from 'commander';
import { QUEUE_KINDS, type QueueKind } from '../jobs/queues.ts';
import { addAwsOptions, type AwsCliOptions } from './aws-options.ts';
import { parseLogLevel, parsePositiveInt } from './parse-options.ts';

export interface DaemonCliOptions extends AwsCliOptions {
  config?: string;
  redisUrl?: string;
  cacheDir?: string;
  concurrency?: number;
  queues?: QueueKind[];
  lockDuration: number;
  shutdownGrace: number;
  logLevel?: string;
}

export function parseQueues(processed: readonly QueueKind[]) {
  return (value: string): QueueKind[] => {
    const names = value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    for (const n of names) {
      if (!(QUEUE_KINDS as readonly string[]).includes(n))
        throw new InvalidArgumentError(`unknown queue "${n}"; queues: ${processed.join(', ')}`);
      if (!processed.includes(n as QueueKind))
        throw new InvalidArgumentError(
          `queue "${n}" has no processor in this release; queues: ${processed.join(', ')}`,
        );
    }
    return names as QueueKind[];
  };
}

/** Options `worker` and `daemon` share. */
export function addWorkerOptions(cmd: Command, processed: readonly QueueKind[]): Command {
  return addAwsOptions(cmd.option('-c, --config <file>', 'YAML config file'))
    .option(
      '--redis-url <url>',
      'Redis holding the queues (env REDIS_URL, which keeps a password out of the process list; rediss:// for TLS)',
    )
    .option(
      '--cache-dir <dir>',
      'this host’s mirror cache (default mirror.cacheDir / GH2CC_CACHE_DIR, else ~/.local/state/gh2cc/cache)',
    )
    .option(
      '--concurrency <n>',
      'jobs at once per queue in this process (default daemon.concurrency, 4)',
      parsePositiveInt,
    )
    .option(
      '--queues <list>',
      `queues to work on, comma-separated (default: all of ${processed.join(', ')})`,
      parseQueues(processed),
    )
    .option(
      '--lock-duration <ms>',
      'how long a job and its repository stay owned without renewal; a dead worker’s job is retaken after it',
      parsePositiveInt,
      30_000,
    )
    .option(
      '--shutdown-grace <ms>',
      'on SIGTERM, how long running jobs may finish before they are handed back to other workers',
      parsePositiveInt,
      25_000,
    )
    .option(
      '--log-level <level>',
      'log level (JSON lines on stderr; default log.level / GH2CC_LOG_LEVEL)',
      parseLogLevel,
    );
}
