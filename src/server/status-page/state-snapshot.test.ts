import { describe, expect, it } from 'vitest';
import { initialState, type RepoState } from '../../state/repo-state.ts';
import { buildSnapshot, cachedSnapshots, parseListQuery, selectPage } from './state-snapshot.ts';

const states: RepoState[] = Array.from({ length: 250 }, (_, i) => ({
  ...initialState(`acme/r${String(i).padStart(3, '0')}`, `r${i}`),
  state: i % 10 === 0 ? 'failing' : 'ok',
  ...(i === 5 ? { description: 'The Payments API' } : {}),
}));

describe('status page: snapshot, filters and pages', () => {
  it('counts every state and pages the filtered rows', () => {
    const snap = buildSnapshot(states, 0);
    expect(snap.counts.failing).toBe(25);
    expect(snap.counts.ok).toBe(225);
    expect(snap.counts.diverged).toBe(0);
    const failing = selectPage(snap, parseListQuery({ state: 'failing', page: '3' }), 10);
    expect([failing.matching, failing.page, failing.pages]).toEqual([25, 3, 3]);
    expect(failing.rows.map((r) => r.state.repo)).toEqual([
      'acme/r200',
      'acme/r210',
      'acme/r220',
      'acme/r230',
      'acme/r240',
    ]);
    expect(selectPage(snap, parseListQuery({ q: ' PAYMENTS ' }), 100).rows.map((r) => r.state.repo)).toEqual([
      'acme/r005',
    ]);
    // Past the last page: the last page.
    expect(selectPage(snap, parseListQuery({ page: '99' }), 100).page).toBe(3);
  });

  it('reads query parameters leniently', () => {
    expect(parseListQuery({})).toEqual({ q: '', page: 1 });
    expect(parseListQuery({ state: 'nonsense', page: '-2', q: ['a', 'b'] })).toEqual({ q: '', page: 1 });
    expect(parseListQuery({ state: 'diverged', page: '2' })).toEqual({ state: 'diverged', q: '', page: 2 });
  });

  it('reads the states once per interval, shares a read in flight, and does not keep a failed one', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const snapshots = cachedSnapshots(
      () => {
        reads += 1;
        return fail ? Promise.reject(new Error('redis away')) : Promise.resolve(states);
      },
      2000,
      () => now,
    );
    await Promise.all([snapshots(), snapshots()]);
    now = 1999;
    await snapshots();
    expect(reads).toBe(1);
    now = 2000;
    fail = true;
    await expect(snapshots()).rejects.toThrow('redis away');
    fail = false;
    expect((await snapshots()).rows).toHaveLength(250);
    expect(reads).toBe(3);
  });
});
