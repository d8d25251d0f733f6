import type { ListingCache } from '../github/list-source-repos.ts';
import type { MirrorContext } from '../mirror/mirror-context.ts';
import type { RedisClient } from '../queue/redis-connection.ts';
import type { StateStore } from '../state/state-store.ts';
import type { Notifier } from '../sns/create-notifier.ts';

/** What job processors share in one worker process: the mirror's clients, Redis, and the state store. */
export interface JobContext extends MirrorContext {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly state: StateStore;
  /** How long a repository stays held without renewal; a dead worker's repository is free after it. */
  readonly lockDurationMs: number;
  /** Drift, failures and recoveries go here: SNS when notify.snsTopicArn is set, else the log. */
  readonly notifier: Notifier;
  /** The org listing's pages as the last reconcile saw them: unchanged pages are asked for conditionally. */
  readonly listings: ListingCache;
}
