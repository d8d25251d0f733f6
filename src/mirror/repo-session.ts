import { dirname, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { sourceNameProblem } from '../core/name-mapping.ts';
import type { SourceRepo } from '../core/repo-filter.ts';
import { Gh2ccError } from '../util/errors.ts';
import type { SyncPhase, TransferProgress } from '../core/repo-result.ts';
import { lockCacheEntry } from '../git/cache-lock.ts';
import { MirrorStore, RECORD_PREFIX } from '../git/mirror-store.ts';
import type { RemoteRefs } from '../git/http-refs.ts';
import { listRemoteRefs } from '../git/transport.ts';
import { withRetry } from '../util/retry.ts';
import type { PushedRecord } from './pushed-record.ts';
import type { SyncDeps } from './sync-deps.ts';

/** One repository held for a sync: its cache entry (locked on this host), its CodeCommit URL, and helpers. */
export interface RepoSession {
  readonly source: SourceRepo;
  readonly target: string;
  readonly deps: SyncDeps;
  readonly log: Logger;
  readonly store: MirrorStore;
  readonly url: string;
  /** The record of what the mirror verified on CodeCommit (Redis in the daemon, else the cache entry). */
  readonly record: PushedRecord;
  retry<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** The fetched branches and tags, with the record: one `for-each-ref` when the record is the cache's. */
  localAndRecord(): Promise<{ local: Map<string, string>; pushed: Map<string, string> }>;
  /** CodeCommit's branches and tags, listed afresh (with its default branch, when its server names it). */
  codecommitRefs(): Promise<RemoteRefs>;
  progress(phase: SyncPhase, done?: number, total?: number, objects?: TransferProgress): void;
  release(): Promise<void>;
}

/**
 * `<cache>/<owner>/<name>.git`, only for names GitHub could have given (an API or webhook payload naming
 * `../../x` must not reach the file system), and only when the result stays inside the cache.
 */
export function storeDirFor(cacheDir: string, source: Pick<SourceRepo, 'owner' | 'name'>): string {
  const problem = sourceNameProblem(source.owner, source.name);
  const root = resolve(cacheDir);
  const dir = resolve(root, source.owner, `${source.name}.git`);
  if (problem !== undefined || !dir.startsWith(`${root}${sep}`) || dirname(dirname(dir)) !== root) {
    throw new Gh2ccError(
      'invalid-name',
      `refusing ${JSON.stringify(`${source.owner}/${source.name}`)}: not a valid GitHub repository name (${problem ?? 'it leaves the cache directory'})`,
      {
        retryable: false,
        fix: 'check that GITHUB_API_URL points at GitHub; nothing was changed for this repository',
      },
    );
  }
  return dir;
}

/**
 * The repository's logger: `repo` and `target` on every line, once — a job's logger that names the repository
 * already is not given a second `repo` key (JSON with a repeated key reads differently in different tools).
 */
export function repoLogger(log: Logger, repo: string, target: string): Logger {
  return log.child(log.bindings()['repo'] === repo ? { target } : { repo, target });
}

export async function openRepoSession(
  source: SourceRepo,
  target: string,
  deps: SyncDeps,
): Promise<RepoSession> {
  const log = repoLogger(deps.log, source.fullName, target);
  const store = new MirrorStore(storeDirFor(deps.cacheDir, source));
  const release = await lockCacheEntry(store.dir);
  const url = deps.remote.url(target);
  const retry = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    withRetry(what, fn, {
      log,
      ...(deps.retry === undefined ? {} : { policy: deps.retry }),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    });
  const cacheRecord: PushedRecord = {
    load: async () => ((await store.exists()) ? store.record() : new Map()),
    save: (changes) => store.recordPushed(changes),
    trackedIn: RECORD_PREFIX,
  };
  const shared = deps.pushedRecord?.(source.fullName);
  const record: PushedRecord =
    shared === undefined
      ? cacheRecord
      : {
          // The first sync after a cache-only migration takes over the cache's record.
          load: async () => {
            const kept = await shared.load();
            return kept.size > 0 ? kept : cacheRecord.load();
          },
          save: (changes) => shared.save(changes),
        };
  return {
    source,
    target,
    deps,
    log,
    store,
    url,
    record,
    retry,
    localAndRecord: async () => {
      if (shared === undefined) return store.refsAndRecord();
      const [local, pushed] = await Promise.all([store.refs(), record.load()]);
      return { local, pushed };
    },
    codecommitRefs: () =>
      retry('list CodeCommit refs', async () =>
        listRemoteRefs(store.dir, url, await deps.remote.auth(target), 'ls-remote CodeCommit', {
          signal: deps.signal,
          network: deps.gitNetwork,
          protocol: 0,
        }),
      ),
    progress(phase, done, total, objects) {
      deps.onProgress?.({
        repo: source.fullName,
        phase,
        ...(done === undefined ? {} : { done, total }),
        ...(objects === undefined ? {} : { objects }),
      });
    },
    release,
  };
}
