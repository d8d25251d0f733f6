import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { initialState } from '../../src/state/repo-state.ts';
import { addSecret } from '../../src/util/secrets.ts';
import { StateStore } from '../../src/state/state-store.ts';
import { redisPushedRecord } from '../../src/state/redis-pushed-record.ts';

const redis = createRedis(inject('redisUrl'), 'test-state-store');
afterAll(() => redis.quit());

function freshStore(): StateStore {
  return new StateStore(redis, `{gh2cc-test-${randomUUID()}}`);
}

describe('StateStore.update: read-modify-write without lost writes', () => {
  it('counts every one of 12 concurrent updates (a plain get-then-put loses most of them)', async () => {
    const store = freshStore();
    await store.put(initialState('acme/widgets', 'widgets'));
    await Promise.all(
      Array.from({ length: 12 }, () =>
        store.update('acme/widgets', (s) => ({ ...s, consecutiveFailures: s.consecutiveFailures + 1 })),
      ),
    );
    expect((await store.get('acme/widgets'))?.consecutiveFailures).toBe(12);
  });

  it('runs the change again on what another writer stored meanwhile', async () => {
    const store = freshStore();
    await store.put(initialState('acme/widgets', 'widgets'));
    const seen: string[] = [];
    const done = await store.update('acme/widgets', async (s) => {
      seen.push(s.state);
      if (seen.length === 1) await store.put({ ...s, state: 'stopped', stoppedReason: 'deleted on GitHub' });
      return { ...s, lastError: 'GitHub answered 404' };
    });
    expect(seen).toEqual(['pending', 'stopped']);
    expect(done?.before.state).toBe('stopped');
    const stored = await store.get('acme/widgets');
    expect(stored).toMatchObject({
      state: 'stopped',
      stoppedReason: 'deleted on GitHub',
      lastError: 'GitHub answered 404',
    });
  });

  it('does not bring back a name that a rename moved away while the change was made', async () => {
    const store = freshStore();
    await store.put(initialState('acme/old-name', 'old-name'));
    const done = await store.update('acme/old-name', async (s) => {
      await store.rename('acme/old-name', (latest) => ({ ...latest, repo: 'acme/new-name' }));
      return { ...s, state: 'failing', lastError: 'GitHub answered 404' };
    });
    expect(done).toBeUndefined();
    expect(await store.get('acme/old-name')).toBeUndefined();
    expect(await store.get('acme/new-name')).toMatchObject({ repo: 'acme/new-name', state: 'pending' });
    expect((await store.all()).map((s) => s.repo)).toEqual(['acme/new-name']);
  });

  it('creates a state only from the initial one given, and not over one created meanwhile', async () => {
    const store = freshStore();
    expect(await store.update('acme/none', (s) => ({ ...s, state: 'syncing' }))).toBeUndefined();
    expect(await store.get('acme/none')).toBeUndefined();

    const initial = initialState('acme/new', 'new');
    let calls = 0;
    const done = await store.update(
      'acme/new',
      async (s) => {
        calls += 1;
        if (calls === 1) await store.put({ ...initial, target: 'picked-by-reconcile' });
        return { ...s, state: 'syncing' };
      },
      initial,
    );
    expect(calls).toBe(2);
    expect(done?.after).toMatchObject({ target: 'picked-by-reconcile', state: 'syncing' });
    expect(await store.get('acme/new')).toMatchObject({ target: 'picked-by-reconcile', state: 'syncing' });
  });

  it('stores error text sanitised, as put does', async () => {
    const store = freshStore();
    addSecret('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    await store.put(initialState('acme/widgets', 'widgets'));
    await store.update('acme/widgets', (s) => ({
      ...s,
      lastError: 'fetch https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com failed',
    }));
    const raw = JSON.stringify(await store.get('acme/widgets'));
    expect(raw).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(raw).toContain('**redacted**');
  });
});

describe('StateStore: pending requests', () => {
  it('a sync clears the requests made before it started, and keeps the latest one made while it ran', async () => {
    const store = freshStore();
    await store.put(initialState('acme/widgets', 'widgets'));
    await store.markRequested('acme/widgets', 1000);
    await store.markRequested('acme/widgets', 3000);
    expect((await store.get('acme/widgets'))?.pendingSince).toBe(1000);
    await store.clearRequested('acme/widgets', 2000);
    expect((await store.get('acme/widgets'))?.pendingSince).toBe(3000);
    await store.clearRequested('acme/widgets', 4000);
    expect((await store.get('acme/widgets'))?.pendingSince).toBeUndefined();
    await store.clearRequested('acme/never-requested', 4000);
    expect(await store.get('acme/never-requested')).toBeUndefined();
  });

  it('a stopped repository is not behind, whatever was requested (no sync will serve it); resumed, it is again', async () => {
    const store = freshStore();
    await store.put({
      ...initialState('acme/gone', 'gone'),
      state: 'stopped',
      stoppedReason: 'deleted on GitHub',
    });
    await store.markRequested('acme/gone', 1000);
    expect((await store.get('acme/gone'))?.pendingSince).toBeUndefined();
    expect((await store.all()).find((s) => s.repo === 'acme/gone')?.pendingSince).toBeUndefined();
    await store.update('acme/gone', (s) => ({ ...s, state: 'pending' }));
    expect((await store.get('acme/gone'))?.pendingSince).toBe(1000);
  });
});

describe('StateStore.rename: a GitHub rename moves everything, in one step', () => {
  it('moves the state, its pending request, history and record of pushed refs to the new name', async () => {
    const prefix = `{gh2cc-test-${randomUUID()}}`;
    const store = new StateStore(redis, prefix);
    await store.put({ ...initialState('acme/old', 'old'), state: 'ok' });
    await store.markRequested('acme/old', 1_000);
    await store.pushHistory('acme/old', { at: 'then', result: 'migrated', refsPushed: 3, durationMs: 10 });
    await redisPushedRecord(redis, prefix, 'acme/old').save(new Map([['refs/heads/main', 'a'.repeat(40)]]));
    const moved = await store.rename('acme/old', (s) => ({ ...s, repo: 'acme/New', target: 'New' }));
    expect(moved?.after).toMatchObject({ repo: 'acme/New', target: 'New' });
    expect(await store.get('acme/old')).toBeUndefined();
    // Still behind: the request made under the old name has not been served.
    expect(await store.get('acme/new')).toMatchObject({ repo: 'acme/New', state: 'ok', pendingSince: 1_000 });
    expect(await store.history('acme/old')).toEqual([]);
    expect(await store.history('acme/New')).toMatchObject([{ at: 'then', refsPushed: 3 }]);
    expect([...(await redisPushedRecord(redis, prefix, 'acme/new').load()).keys()]).toEqual([
      'refs/heads/main',
    ]);
    expect([...(await redisPushedRecord(redis, prefix, 'acme/old').load()).keys()]).toEqual([]);
  });

  it('keeps what a sync recorded under the old name while the rename was under way', async () => {
    const store = freshStore();
    await store.put(initialState('acme/old', 'old'));
    let calls = 0;
    await store.rename('acme/old', async (s) => {
      calls += 1;
      // The sync finishes and records its result while the reconcile renames the CodeCommit repository.
      if (calls === 1) await store.put({ ...s, state: 'ok', lastSuccessAt: '2026-11-27T10:00:00.000Z' });
      return { ...s, repo: 'acme/new' };
    });
    expect(calls).toBe(2);
    expect(await store.get('acme/new')).toMatchObject({
      state: 'ok',
      lastSuccessAt: '2026-11-27T10:00:00.000Z',
    });
    expect(await store.get('acme/old')).toBeUndefined();
  });

  it('does nothing for a name with no state', async () => {
    const store = freshStore();
    expect(await store.rename('acme/none', (s) => ({ ...s, repo: 'acme/other' }))).toBeUndefined();
    expect(await store.all()).toEqual([]);
  });
});
