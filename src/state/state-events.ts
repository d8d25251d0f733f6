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
