import { describe, expect, it } from 'vitest';
import { initialState, type RepoState } from './repo-state.ts';
import { markDriftNotice, stateEvents } from './state-events.ts';

const base: RepoState = { ...initialState('o/r', 'r'), state: 'ok' };

describe('stateEvents: notify on change only', () => {
  it('drift found once when a ref newly diverges; the same drift again is silent; resolution once', () => {
    const drifted = { ...base, state: 'diverged' as const, divergentRefs: ['refs/heads/x'] };
    expect(stateEvents(base, drifted)).toEqual([
      { kind: 'drift-found', refs: ['refs/heads/x'], added: ['refs/heads/x'] },
    ]);
    expect(stateEvents(drifted, drifted)).toEqual([]);
    const more = { ...drifted, divergentRefs: ['refs/heads/x', 'refs/heads/y'] };
    expect(stateEvents(drifted, more)).toEqual([
      { kind: 'drift-found', refs: ['refs/heads/x', 'refs/heads/y'], added: ['refs/heads/y'] },
    ]);
    expect(stateEvents(more, base)).toEqual([
      { kind: 'drift-resolved', refs: ['refs/heads/x', 'refs/heads/y'] },
    ]);
  });

  it('failing once after retries are used up, recovered on the next success', () => {
    const failing = {
      ...base,
      state: 'failing' as const,
      lastError: 'boom',
      lastErrorCode: 'network',
      consecutiveFailures: 5,
    };
    expect(stateEvents(base, failing)).toEqual([
      { kind: 'sync-failing', error: 'boom', code: 'network', failures: 5 },
    ]);
    expect(stateEvents(failing, { ...failing, consecutiveFailures: 6 })).toEqual([]);
    expect(stateEvents(failing, { ...base, consecutiveFailures: 0 })).toEqual([
      { kind: 'sync-recovered', failures: 5 },
    ]);
    // Still failing while it syncs again: not a recovery.
    expect(stateEvents(failing, { ...failing, state: 'syncing' })).toEqual([]);
  });

  it('reminds of drift that persists once the reminder interval has passed, and only then', () => {
    const t0 = new Date('2026-11-26T00:00:00Z');
    const day = 86_400_000;
    const drifted = { ...base, state: 'diverged' as const, divergentRefs: ['refs/heads/x'] };
    const first = markDriftNotice(base, drifted, t0, day);
    expect(first.driftNotifiedAt).toBe(t0.toISOString());
    expect(stateEvents(base, first).map((e) => e.kind)).toEqual(['drift-found']);
    const later = markDriftNotice(first, drifted, new Date(t0.getTime() + day / 2), day);
    expect(stateEvents(first, later)).toEqual([]);
    const due = markDriftNotice(later, drifted, new Date(t0.getTime() + day), day);
    expect(stateEvents(later, due)).toEqual([
      { kind: 'drift-reminder', refs: ['refs/heads/x'], since: t0.toISOString() },
    ]);
    // no reminder configured: told once
    expect(markDriftNotice(first, drifted, new Date(t0.getTime() + 30 * day), undefined)).toEqual(first);
    // resolved: the stamp goes, and a new drift later is told again
    const resolved = markDriftNotice(due, base, new Date(t0.getTime() + 2 * day), day);
    expect(resolved.driftNotifiedAt).toBeUndefined();
    expect(stateEvents(due, resolved).map((e) => e.kind)).toEqual(['drift-resolved']);
  });
});
