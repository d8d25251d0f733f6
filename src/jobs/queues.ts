import type { RepoChange } from '../core/webhook-routing.ts';

/**
 * gh2cc's BullMQ queues, one per kind of work, so each can be scaled (`gh2cc worker --queues sync`) and
 * watched on its own. Job data everywhere holds identifiers and plain options only — never a token, key or
 * password: workers read credentials from their own environment.
 */
export const QUEUES = {
  /** One-time migration jobs from `gh2cc migrate --redis-url`. */
  migrate: 'migrate',
  /** Converge one repository's branches and tags (webhooks, schedules, `gh2cc sync`, reconcile). */
  sync: 'sync',
  /** Inventory the org: new, renamed, archived, deleted, transferred repositories → sync jobs. */
  reconcile: 'reconcile',
  /** Compare both sides without pushing, and report drift. */
  drift: 'drift',
  /** Converge IAM groups and policies with GitHub teams. */
  iam: 'iam',
} as const;

export type QueueKind = keyof typeof QUEUES;
export const QUEUE_KINDS = Object.keys(QUEUES) as QueueKind[];

/** Queues `gh2cc worker` has a processor for (workers/start-workers.ts builds one for each). */
export const PROCESSED_QUEUES: readonly QueueKind[] = ['migrate', 'sync', 'reconcile', 'drift', 'iam'];

export type SyncReason = 'webhook' | 'schedule' | 'reconcile' | 'manual';

export interface SyncJobData {
  readonly owner: string;
  readonly repo: string;
  readonly reason: SyncReason;
  /** When the change was first requested (ms since epoch): the lag the sync closes. */
  readonly requestedAt: number;
  /** Run the ensure step (create/adopt and refresh metadata) even when the repo is known. */
  readonly ensure?: boolean;
}

export interface ReconcileJobData {
  readonly reason: SyncReason;
  /** One repository's change reported by a `repository` webhook; absent: inventory the whole org. */
  readonly change?: RepoChange;
}

export interface DriftJobData {
  readonly reason: SyncReason;
  /** One repository (owner/name), or every mirrored repository when absent. */
  readonly repo?: string;
}

export interface IamJobData {
  readonly reason: SyncReason;
}

/**
 * The deduplication id of a repository's sync job: stable per repository (not per run), so pending requests
 * for one repo coalesce. With BullMQ's keepLastIfActive, at most one sync runs and one waits per repository.
 */
export function syncDedupId(owner: string, repo: string): string {
  return `sync:${owner}/${repo}`.toLowerCase();
}
