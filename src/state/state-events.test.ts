import { describe, expect, it } from 'vitest';
import { initialState, type RepoState } from './repo-state.ts';
import { stateEvents } from './state-events.ts';

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
});
