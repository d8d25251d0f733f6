import type { RepoState } from './repo-state.ts';

/**
 * What changed for the people watching a mirror, between two states of one repository: the events gh2cc
 * notifies about (SNS). Only changes count, never a cycle that found the same thing again: drift found when
 * a ref newly diverges, resolved when none is left; failing when a sync has used up its retries after being
 * fine, recovered on the first success after that.
 */
export type StateEvent =
  | {
      readonly kind: 'drift-found';
      /** Every divergent ref now, and the ones new since the last state. */
      readonly refs: readonly string[];
      readonly added: readonly string[];
    }
  /** The same drift is still there `notify.driftReminder` after people were last told. */
  | { readonly kind: 'drift-reminder'; readonly refs: readonly string[]; readonly since: string }
  | { readonly kind: 'drift-resolved'; readonly refs: readonly string[] }
  | {
      readonly kind: 'sync-failing';
      readonly error: string;
      readonly code?: string;
      readonly failures: number;
    }
  | { readonly kind: 'sync-recovered'; readonly failures: number };

export function stateEvents(before: RepoState | undefined, after: RepoState): StateEvent[] {
  const events: StateEvent[] = [];
  const was = new Set(before?.divergentRefs ?? []);
  const now = after.divergentRefs;
  const added = now.filter((r) => !was.has(r));
  if (added.length > 0) events.push({ kind: 'drift-found', refs: [...now], added });
  else if (was.size > 0 && now.length === 0) events.push({ kind: 'drift-resolved', refs: [...was] });
  else if (
    now.length > 0 &&
    after.driftNotifiedAt !== undefined &&
    before?.driftNotifiedAt !== undefined &&
    after.driftNotifiedAt !== before.driftNotifiedAt
  ) {
    events.push({ kind: 'drift-reminder', refs: [...now], since: before.driftNotifiedAt });
  }
  const wasFailing = before?.state === 'failing';
  if (after.state === 'failing' && !wasFailing)
    events.push({
      kind: 'sync-failing',
      error: after.lastError ?? 'unknown error',
      ...(after.lastErrorCode === undefined ? {} : { code: after.lastErrorCode }),
      failures: after.consecutiveFailures,
    });
  else if (wasFailing && (after.state === 'ok' || after.state === 'diverged'))
    events.push({ kind: 'sync-recovered', failures: before?.consecutiveFailures ?? 0 });
  return events;
}

/**
 * Stamps when people are told about drift, before the state is stored: at a new drift, and again once
 * `reminderMs` has passed with the drift still there (which `stateEvents` then reports as a reminder);
 * cleared when the drift is gone. Without a reminder setting, persisting drift is told once.
 */
export function markDriftNotice(
  before: RepoState | undefined,
  after: RepoState,
  now: Date,
  reminderMs: number | undefined,
): RepoState {
  if (after.divergentRefs.length === 0) {
    const { driftNotifiedAt: _gone, ...rest } = after;
    return rest;
  }
  const was = new Set(before?.divergentRefs ?? []);
  const last = before?.driftNotifiedAt;
  const due =
    after.divergentRefs.some((r) => !was.has(r)) ||
    last === undefined ||
    (reminderMs !== undefined && now.getTime() - Date.parse(last) >= reminderMs);
  return { ...after, driftNotifiedAt: due ? now.toISOString() : last };
}
