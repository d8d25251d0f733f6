import { InvalidArgumentError, type Command } from 'commander';
import type { RepoState } from '../state/repo-state.ts';
import { EXIT_FAILED, EXIT_OK, type CliContext } from './cli-context.ts';
import { print, printError } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';
import { redisForCli } from './status-command.ts';

function parseRepo(value: string, previous: string[] = []): string[] {
  if (!/^[A-Za-z0-9-_.]+\/[A-Za-z0-9-_.]+$/.test(value))
    throw new InvalidArgumentError(`expected OWNER/REPO, got "${value}"`);
  return [...previous, value];
}

interface Outcome {
  readonly repo: string;
  readonly result: string;
  readonly durationMs?: number;
  readonly refsPushed?: number;
  readonly error?: string;
}

/** What the sync job itself says: failed for good (its retries used up, or a permanent error) since `since`. */
export type JobFailure = () => Promise<string | undefined>;

/**
 * Polls the state store until a sync that started after `since` has finished for the repository — or until its
 * job failed for good without recording anything (a repository GitHub does not have: there is no state to mark).
 */
async function waitForSync(
  get: () => Promise<RepoState | undefined>,
  history: () => Promise<{ result: string; durationMs: number; refsPushed: number; error?: string }[]>,
  jobFailure: JobFailure,
  repo: string,
  since: number,
  deadline: number,
): Promise<Outcome> {
  while (Date.now() < deadline) {
    const s = await get();
    if (s?.state === 'stopped')
      return { repo, result: 'stopped', error: s.stoppedReason ?? 'mirroring stopped' };
    const started = s?.lastSyncStartedAt === undefined ? 0 : Date.parse(s.lastSyncStartedAt);
    // A failed try that will be retried is not the answer yet; the last one (state `failing`) is.
    const retrying = s?.lastResult === 'failed' && s.state !== 'failing';
    if (
      s !== undefined &&
      started >= since &&
      s.state !== 'syncing' &&
      !retrying &&
      s.lastSyncAt !== undefined &&
      Date.parse(s.lastSyncAt) >= started
    ) {
      const last = (await history())[0];
      return {
        repo,
        result: s.lastResult ?? 'unknown',
        ...(last === undefined ? {} : { durationMs: last.durationMs, refsPushed: last.refsPushed }),
        ...(s.lastError === undefined || s.state !== 'failing' ? {} : { error: s.lastError }),
      };
    }
    if (s?.state !== 'syncing') {
      const failed = await jobFailure();
      if (failed !== undefined) return { repo, result: 'failed', error: failed };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    repo,
    result: 'timeout',
    error: 'no finished sync seen before --timeout; the job is still queued or running',
  };
}

export function registerSyncCommand(program: Command, ctx: CliContext): void {
  program
    .command('sync')
    .description('Sync repositories now (enqueues a job for the daemon’s workers)')
    .argument('<repos...>', 'OWNER/REPO, one or more', (v: string, prev: string[] | undefined) =>
      parseRepo(v, prev),
    )
    .option('-c, --config <file>', 'YAML config file')
    .option(
      '--redis-url <url>',
      'the daemon’s Redis (env REDIS_URL, which keeps a password out of the process list)',
    )
    .option('--wait', 'wait for each sync to finish and print its result')
    .option('--timeout <seconds>', 'with --wait: give up after this long', parsePositiveInt, 600)
    .option('--json', 'machine-readable output')
    .action(
      async (
        repos: string[],
        opts: { config?: string; redisUrl?: string; wait?: boolean; timeout: number; json?: boolean },
      ) => {
        const cli = await redisForCli(opts, ctx.env);
        const { createRedis } = await import('../queue/redis-connection.ts');
        const { openQueues } = await import('../jobs/open-queues.ts');
        const { enqueueSync } = await import('../jobs/enqueue-sync.ts');
        const { retryingJob } = await import('../jobs/job-options.ts');
        const connection = createRedis(cli.url, 'gh2cc-cli-queue', { cluster: cli.cluster, failFast: true });
        const queues = openQueues(connection, cli.prefix);
        try {
          const since = Date.now();
          const jobIds = new Map<string, string | undefined>();
          for (const full of repos) {
            const [owner = '', repo = ''] = full.split('/');
            jobIds.set(
              full,
              await enqueueSync(
                queues.sync,
                cli.store,
                { owner, repo, reason: 'manual', requestedAt: since },
                retryingJob(cli.config),
              ),
            );
          }
          const jobFailure =
            (repo: string): JobFailure =>
            async () => {
              const id = jobIds.get(repo);
              const job = id === undefined ? undefined : await queues.sync.getJob(id);
              if (job === undefined || (job.finishedOn ?? 0) < since || !(await job.isFailed()))
                return undefined;
              return job.failedReason === '' ? 'the sync job failed' : job.failedReason;
            };
          if (opts.wait !== true) {
            if (opts.json === true) print(JSON.stringify({ version: 1, queued: repos }, null, 2));
            else printError(`${repos.length} sync(s) queued; \`gh2cc status\` shows the outcome.`);
            return;
          }
          const deadline = since + opts.timeout * 1000;
          const outcomes = await Promise.all(
            repos.map((r) =>
              waitForSync(
                () => cli.store.get(r),
                () => cli.store.history(r),
                jobFailure(r),
                r,
                since,
                deadline,
              ),
            ),
          );
          if (opts.json === true) print(JSON.stringify({ version: 1, results: outcomes }, null, 2));
          else
            for (const o of outcomes)
              print(
                `${o.repo}: ${o.result}${o.durationMs === undefined ? '' : ` in ${(o.durationMs / 1000).toFixed(2)}s`}${o.refsPushed === undefined ? '' : `, ${o.refsPushed} ref(s) pushed`}${o.error === undefined ? '' : ` — ${o.error}`}`,
              );
          ctx.exitCode = outcomes.every(
            (o) => o.result !== 'failed' && o.result !== 'timeout' && o.result !== 'stopped',
          )
            ? EXIT_OK
            : EXIT_FAILED;
        } finally {
          await queues.close().catch(() => undefined);
          connection.disconnect();
          cli.close();
        }
      },
    );
}
