import type { Logger } from 'pino';
import type { RepoResult, SyncProgress } from '../core/repo-result.ts';
import { getSourceRepo } from '../github/get-source-repo.ts';
import { jobSyncDeps } from './job-sync-deps.ts';
import { syncRepo } from '../mirror/sync-repo.ts';
import type { JobContext } from './job-context.ts';
import type { MigrateJobData } from './migrate-job.ts';

/**
 * One repository of a `gh2cc migrate --redis-url` run, on whichever worker takes it: the current metadata
 * from GitHub (job data carries only names), then every sync step with the run's push settings.
 */
export async function runMigrateJob(
  ctx: JobContext,
  data: MigrateJobData,
  run: {
    readonly log: Logger;
    readonly signal?: AbortSignal;
    readonly onProgress?: (p: SyncProgress) => void;
  },
): Promise<RepoResult> {
  const source = await getSourceRepo(ctx.github, data.owner, data.repo);
  const { maxRefsPerPush, incrementCommits } = data;
  const deps = jobSyncDeps(
    {
      ...ctx,
      log: run.log,
      config: {
        ...ctx.config,
        mirror: {
          ...ctx.config.mirror,
          ...(maxRefsPerPush === undefined ? {} : { maxRefsPerPush }),
          ...(incrementCommits === undefined ? {} : { incrementCommits }),
        },
      },
    },
    {
      verify: data.verify,
      wikis: data.wikis,
      ...(run.signal === undefined ? {} : { signal: run.signal }),
      ...(run.onProgress === undefined ? {} : { onProgress: run.onProgress }),
    },
  );
  return syncRepo(source, data.target, deps, { ensure: 'always', likelyAbsent: data.planned === 'create' });
}
