import {
  GetRepositoryCommand,
  ListTagsForResourceCommand,
  type CodeCommitClient,
} from '@aws-sdk/client-codecommit';
import { classifyAwsError } from '../codecommit/classify-aws-error.ts';
import { listBackups } from '../core/backup-ref.ts';
import { classifyRefDrift, isDrift, settingsDrift, type RefDrift, type SettingDrift } from '../core/drift.ts';
import type { SourceRepo } from '../core/repo-filter.ts';
import { MirrorStore } from '../git/mirror-store.ts';
import { listRemoteRefs } from '../git/transport.ts';
import { errorMessage } from '../util/errors.ts';
import { withRetry } from '../util/retry.ts';
import type { MirrorContext } from './mirror-context.ts';
import type { PushedRecord } from './pushed-record.ts';
import { storeDirFor } from './repo-session.ts';

/** One repository's drift, as `gh2cc drift` reports it. */
export interface RepoDrift {
  readonly repo: string;
  readonly target: string;
  /** Any drift: a missing repository, a drifted ref or setting (`behind` refs are not drift). */
  readonly drift: boolean;
  readonly missingRepo: boolean;
  readonly refs: readonly RefDrift[];
  readonly settings: readonly SettingDrift[];
  /** Backup refs kept in CodeCommit (see backup-ref.ts), newest first. */
  readonly backups: ReadonlyArray<{ readonly ref: string; readonly original: string; readonly sha: string }>;
  /** Where the record of gh2cc's own pushes came from; `none`: refs that differ are reported as `differs`. */
  readonly record: 'redis' | 'cache' | 'none';
  readonly error?: string;
}

async function codecommitSettings(
  client: CodeCommitClient,
  name: string,
): Promise<
  { defaultBranch: string | undefined; description: string; tags: Record<string, string> } | undefined
> {
  try {
    const meta = (await client.send(new GetRepositoryCommand({ repositoryName: name }))).repositoryMetadata;
    const tags = await client.send(new ListTagsForResourceCommand({ resourceArn: meta?.Arn ?? '' }));
    return {
      defaultBranch: meta?.defaultBranch,
      description: meta?.repositoryDescription ?? '',
      tags: tags.tags ?? {},
    };
  } catch (err) {
    const e = classifyAwsError(err, 'read the CodeCommit repository');
    if (e.code === 'not-found') return undefined;
    throw e;
  }
}

/**
 * Compares one repository once, changing nothing: CodeCommit's existence, settings and refs against GitHub's
 * (ls-remote on both sides, in `scratch`, any git directory), with the mirror's record of its own pushes
 * (`record`: the daemon's Redis; else this host's cache entry) to tell someone else's change from a sync
 * still to come.
 */
export async function detectDrift(
  ctx: MirrorContext,
  source: SourceRepo,
  target: string,
  scratch: string,
  record: PushedRecord | undefined,
): Promise<RepoDrift> {
  const base = { repo: source.fullName, target };
  const opts = { log: ctx.log, ...(ctx.retry === undefined ? {} : { policy: ctx.retry }) };
  try {
    const settings = await withRetry(
      'read CodeCommit repository',
      () => codecommitSettings(ctx.codecommit, target),
      opts,
    );
    if (settings === undefined) {
      return { ...base, drift: true, missingRepo: true, refs: [], settings: [], backups: [], record: 'none' };
    }
    const [github, codecommit] = await Promise.all([
      withRetry(
        'ls-remote GitHub',
        async () => listRemoteRefs(scratch, source.cloneUrl, await ctx.githubAuth(), 'ls-remote GitHub'),
        opts,
      ),
      withRetry(
        'ls-remote CodeCommit',
        async () =>
          listRemoteRefs(
            scratch,
            ctx.remote.url(target),
            await ctx.remote.auth(target),
            'ls-remote CodeCommit',
            {
              protocol: 0,
            },
          ),
        opts,
      ),
    ]);
    let kept: Map<string, string> | undefined;
    let from: RepoDrift['record'] = 'none';
    if (record !== undefined) {
      kept = await record.load();
      from = 'redis';
    }
    if (kept === undefined || kept.size === 0) {
      const store = new MirrorStore(storeDirFor(ctx.cacheDir, source));
      if (await store.exists()) {
        const cached = (await store.refsAndRecord()).pushed;
        if (cached.size > 0) {
          kept = cached;
          from = 'cache';
        }
      }
    }
    if (kept !== undefined && kept.size === 0) kept = undefined;
    if (kept === undefined) from = 'none';
    const refs = classifyRefDrift(github, codecommit, kept);
    const drifted = settingsDrift(source, {
      ...settings,
      hasBranches: [...codecommit.keys()].some((r) => r.startsWith('refs/heads/')),
    });
    return {
      ...base,
      drift: drifted.length > 0 || refs.some((r) => isDrift(r.kind)),
      missingRepo: false,
      refs,
      settings: drifted,
      backups: listBackups(codecommit).map((b) => ({ ref: b.ref, original: b.original, sha: b.sha })),
      record: from,
    };
  } catch (err) {
    return {
      ...base,
      drift: false,
      missingRepo: false,
      refs: [],
      settings: [],
      backups: [],
      record: 'none',
      error: errorMessage(err),
    };
  }
}
