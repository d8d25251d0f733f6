import { buildNotification, type NotificationInput } from '../core/notification.ts';
import type { SourceRepo } from '../core/repo-filter.ts';
import type { RepoResult } from '../core/repo-result.ts';
import { secretDetectedNotifications } from '../scan/secret-notifications.ts';
import type { JobContext } from './job-context.ts';

const branch = (ref: string): string => ref.replace(/^refs\/heads\//, '');

/**
 * What one sync did that people asked to hear about, as notifications: diverged refs overwritten (under
 * `onDivergence: overwrite`, with the backups that keep their tips), branches deleted on GitHub and so in
 * CodeCommit (with their backups), and a push to the default branch (for build systems watching it). Each
 * deduplicated by what happened, so a sync retried after it pushed does not say it twice.
 */
export function syncEvents(
  source: Pick<SourceRepo, 'owner' | 'fullName' | 'defaultBranch'>,
  result: RepoResult,
): Array<{ input: NotificationInput; dedupKey: string }> {
  const org = source.owner;
  const repository = source.fullName;
  const out: Array<{ input: NotificationInput; dedupKey: string }> = [];
  const backups = result.backups ?? [];
  const overwritten = backups.filter((b) => b.reason === 'overwritten');
  if (overwritten.length > 0) {
    out.push({
      dedupKey: `drift-overwritten:${overwritten.map((b) => `${b.ref}@${b.sha}`).join(',')}`,
      input: {
        eventType: 'drift-found',
        org,
        repository,
        summary: `${repository}: ${overwritten.length} CodeCommit ref(s) changed outside gh2cc were overwritten with GitHub's; old tips kept as backups`,
        details: {
          target: result.target,
          resolution: 'overwritten',
          divergentRefs: overwritten.map((b) => b.ref),
          refs: overwritten.map((b) => ({
            ref: b.ref,
            github: b.github,
            codecommit: b.sha,
            backup: b.backup,
          })),
        },
      },
    });
  }
  for (const b of backups) {
    if (b.reason !== 'deleted' || !b.ref.startsWith('refs/heads/')) continue;
    out.push({
      dedupKey: `branch-deleted:${b.ref}@${b.sha}`,
      input: {
        eventType: 'branch-deleted',
        org,
        repository,
        summary: `${repository}: branch ${branch(b.ref)} deleted on GitHub and in CodeCommit; its tip is kept as ${branch(b.backup)}`,
        details: { target: result.target, ref: b.ref, sha: b.sha, backup: b.backup },
      },
    });
  }
  const pushed = result.defaultBranchPushed;
  if (pushed !== undefined && !result.created) {
    out.push({
      dedupKey: `default-branch-pushed:${pushed.sha}`,
      input: {
        eventType: 'default-branch-pushed',
        org,
        repository,
        summary: `${repository}: ${source.defaultBranch} now at ${pushed.sha.slice(0, 12)} in CodeCommit`,
        details: {
          target: result.target,
          ref: `refs/heads/${source.defaultBranch}`,
          from: pushed.from,
          sha: pushed.sha,
        },
      },
    });
  }
  if (result.secrets !== undefined) {
    out.push(
      ...secretDetectedNotifications({
        org,
        repository,
        target: result.target,
        findings: result.secrets.findings,
        ...(result.secrets.truncated === undefined ? {} : { truncated: result.secrets.truncated }),
      }),
    );
  }
  return out;
}

export function notifySyncEvents(
  ctx: Pick<JobContext, 'notifier'>,
  source: Pick<SourceRepo, 'owner' | 'fullName' | 'defaultBranch'>,
  result: RepoResult,
): void {
  for (const e of syncEvents(source, result))
    ctx.notifier.notify(buildNotification(e.input), { dedupKey: e.dedupKey });
}
