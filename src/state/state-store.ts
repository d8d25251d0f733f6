import type { RedisClient } from '../queue/redis-connection.ts';
import { setTimeout as delay } from 'node:timers/promises';
import { Gh2ccError } from '../util/errors.ts';
import { sanitize } from '../util/secrets.ts';
import type { RepoState, SyncHistoryEntry } from './repo-state.ts';
import { pushedRecordKey } from './redis-pushed-record.ts';

/** Entries of sync history kept per repository. */
const HISTORY_LENGTH = 50;

/** Tries of a read-modify-write before it gives up on a state that keeps changing under it. */
const UPDATE_ATTEMPTS = 20;

/**
 * Sets a hash field only if it still holds what was read (ARGV[2]; ARGV[4] = '1' means it was absent):
 * a compare-and-set in one step, on one key (so one cluster slot).
 */
const SET_IF_UNCHANGED = `local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[4] == '1' then
  if current ~= false then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/** clearRequested: pending is cleared if no request came after the sync started, else set to the latest. */
const CLEAR_REQUESTED = `local latest = redis.call('HGET', KEYS[1], ARGV[1])
if latest == false or tonumber(latest) <= tonumber(ARGV[2]) then
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], latest)
end
return 1`;

/**
 * A repository's move to a new name (a GitHub rename), all in one step, and only if its state still holds
 * what was read (ARGV[3]): the state, its pending and requested times, its history (KEYS[4] → KEYS[5]) and
 * its record of pushed refs (KEYS[6] → KEYS[7]). Every key is under the hash-tagged prefix: one cluster slot.
 */
const RENAME_IF_UNCHANGED = `local from, to = ARGV[1], ARGV[2]
if redis.call('HGET', KEYS[1], from) ~= ARGV[3] then return 0 end
redis.call('HDEL', KEYS[1], from)
redis.call('HSET', KEYS[1], to, ARGV[4])
for i = 2, 3 do
  local v = redis.call('HGET', KEYS[i], from)
  redis.call('HDEL', KEYS[i], from)
  if v then redis.call('HSET', KEYS[i], to, v) end
end
if KEYS[4] ~= KEYS[5] then
  local history = redis.call('LRANGE', KEYS[4], 0, -1)
  if #history > 0 then redis.call('RPUSH', KEYS[5], unpack(history)) end
  redis.call('DEL', KEYS[4])
end
if KEYS[6] ~= KEYS[7] and redis.call('EXISTS', KEYS[6]) == 1 then redis.call('RENAME', KEYS[6], KEYS[7]) end
return 1`;

/** A compare-and-set found the state changed since it was read: read again and retry. */
const CHANGED = Symbol('changed');

/** What a read-modify-write stored, and what it replaced. */
export interface StateUpdate {
  readonly before: RepoState;
  readonly after: RepoState;
}

/**
 * Per-repository mirror state in Redis, under gh2cc's hash-tagged prefix (one cluster slot): a hash with one
 * JSON field per repository (`<prefix>:state`), a hash of first-unserved-request times (`<prefix>:pending`)
 * and a short capped list of sync history per repository. Text that came from errors is sanitised before it
 * is stored: no secret ever reaches Redis.
 */
export class StateStore {
  readonly #redis: RedisClient;
  readonly #stateKey: string;
  readonly #pendingKey: string;
  readonly #requestedKey: string;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#stateKey = `${prefix}:state`;
    this.#pendingKey = `${prefix}:pending`;
    this.#requestedKey = `${prefix}:requested`;
  }

  #historyKey(repo: string): string {
    return `${this.#prefix}:history:${repo.toLowerCase()}`;
  }

  async get(repo: string): Promise<RepoState | undefined> {
    const [raw, pending] = await Promise.all([
      this.#redis.hget(this.#stateKey, repo.toLowerCase()),
      this.#redis.hget(this.#pendingKey, repo.toLowerCase()),
    ]);
    return raw === null ? undefined : withPending(JSON.parse(raw) as RepoState, pending);
  }

  /** Every repository's state (HGETALL of two hashes: fine for tens of thousands of repositories). */
  async all(): Promise<RepoState[]> {
    const [states, pending] = await Promise.all([
      this.#redis.hgetall(this.#stateKey),
      this.#redis.hgetall(this.#pendingKey),
    ]);
    return Object.entries(states)
      .map(([key, raw]) => withPending(JSON.parse(raw) as RepoState, pending[key] ?? null))
      .sort((a, b) => a.repo.localeCompare(b.repo));
  }

  /** The state of the repository with this GitHub id under a name other than `otherThan` (a rename). */
  async findByGithubId(githubId: number, otherThan: string): Promise<RepoState | undefined> {
    const name = otherThan.toLowerCase();
    return (await this.all()).find((st) => st.githubId === githubId && st.repo.toLowerCase() !== name);
  }

  async put(state: RepoState): Promise<void> {
    await this.#redis.hset(this.#stateKey, state.repo.toLowerCase(), serialize(state));
  }

  async putMany(states: readonly RepoState[]): Promise<void> {
    if (states.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const s of states) pipeline.hset(this.#stateKey, s.repo.toLowerCase(), serialize(s));
    await pipeline.exec();
  }

  /**
   * A read-modify-write of one repository's state that loses no concurrent write: `change` gets the stored
   * state and returns the new one (or undefined to leave it as it is). If another writer changed it before
   * the write (a reconcile marking it stopped, say), `change` runs again on what is there now. A state that
   * is not there (never created, or moved away by a rename) is created only from `initial`; without it
   * nothing is written — a job that read a repository under its old name must not bring that name back.
   */
  async update(
    repo: string,
    change: (current: RepoState) => RepoState | undefined | Promise<RepoState | undefined>,
    initial?: RepoState,
  ): Promise<StateUpdate | undefined> {
    const key = repo.toLowerCase();
    return this.#compareAndSet(repo, 'written', async () => {
      const { raw, stored } = await this.#read(key);
      const before = stored ?? initial;
      if (before === undefined) return undefined;
      const after = await change(before);
      if (after === undefined) return undefined;
      if (after.repo.toLowerCase() !== key)
        throw new Gh2ccError('internal', `an update of ${repo}'s state named ${after.repo}`);
      const set = await this.#redis.eval(
        SET_IF_UNCHANGED,
        1,
        this.#stateKey,
        key,
        raw ?? '',
        serialize(after),
        raw === null ? '1' : '0',
      );
      return set === 1 ? { before, after } : CHANGED;
    });
  }

  /**
   * A repository's key moves with a GitHub rename: `change` gets its current state and returns it under the
   * new name; its pending requests, history and record of pushed refs come along, in one step. Like `update`,
   * a write to the old name in between makes `change` run again on what is there now, so nothing a sync
   * recorded meanwhile is lost. Undefined when there is no state under the old name.
   */
  async rename(
    from: string,
    change: (current: RepoState) => RepoState | Promise<RepoState>,
  ): Promise<StateUpdate | undefined> {
    const key = from.toLowerCase();
    return this.#compareAndSet(from, 'renamed', async () => {
      const { raw, stored: before } = await this.#read(key);
      if (raw === null || before === undefined) return undefined;
      const after = await change(before);
      const moved = await this.#redis.eval(
        RENAME_IF_UNCHANGED,
        7,
        this.#stateKey,
        this.#pendingKey,
        this.#requestedKey,
        this.#historyKey(from),
        this.#historyKey(after.repo),
        pushedRecordKey(this.#prefix, from),
        pushedRecordKey(this.#prefix, after.repo),
        key,
        after.repo.toLowerCase(),
        raw,
        serialize(after),
      );
      return moved === 1 ? { before, after } : CHANGED;
    });
  }

  /** One repository's stored state as written (`raw`, for a compare-and-set) and as read. */
  async #read(key: string): Promise<{ raw: string | null; stored: RepoState | undefined }> {
    const [raw, pending] = await Promise.all([
      this.#redis.hget(this.#stateKey, key),
      this.#redis.hget(this.#pendingKey, key),
    ]);
    return { raw, stored: raw === null ? undefined : withPending(JSON.parse(raw) as RepoState, pending) };
  }

  /** Runs `attempt` until it no longer finds the state changed under it (`CHANGED`), a bounded number of times. */
  async #compareAndSet<T>(
    repo: string,
    what: string,
    attempt: () => Promise<T | typeof CHANGED>,
  ): Promise<T> {
    for (let n = 1; n <= UPDATE_ATTEMPTS; n += 1) {
      const result = await attempt();
      if (result !== CHANGED) return result;
      // Another writer got there first: a moment's jitter, so that a few writers racing do not keep colliding.
      await delay(Math.random() * 2 * n);
    }
    throw new Gh2ccError(
      'conflict',
      `the state of ${repo} kept changing while it was ${what} (${UPDATE_ATTEMPTS} tries)`,
      { retryable: true, fix: 'nothing to do: the job is tried again' },
    );
  }

  /**
   * A sync was requested: the repository is behind from the first unserved request on (`pending`), and the
   * latest request is remembered too (`requested`), so a sync knows whether it served them all.
   */
  async markRequested(repo: string, at: number): Promise<void> {
    const key = repo.toLowerCase();
    // Two commands written together rather than a pipeline object: this runs for every webhook delivery,
    // and building an ioredis Pipeline costs more CPU than the round trip it saves.
    await Promise.all([
      this.#redis.hsetnx(this.#pendingKey, key, String(at)),
      this.#redis.hset(this.#requestedKey, key, String(at)),
    ]);
  }

  /**
   * A successful sync that started at `startedAt` fetched everything requested before then. Requests that
   * came in while it ran are still pending (from the latest of them: the earliest is not kept).
   */
  async clearRequested(repo: string, startedAt: number): Promise<void> {
    // One script: a request marked between reading `requested` and clearing `pending` must not be lost.
    await this.#redis.eval(
      CLEAR_REQUESTED,
      2,
      this.#requestedKey,
      this.#pendingKey,
      repo.toLowerCase(),
      startedAt,
    );
  }

  async pushHistory(repo: string, entry: SyncHistoryEntry): Promise<void> {
    const key = this.#historyKey(repo);
    const clean = entry.error === undefined ? entry : { ...entry, error: sanitize(entry.error) };
    await this.#redis
      .pipeline()
      .lpush(key, JSON.stringify(clean))
      .ltrim(key, 0, HISTORY_LENGTH - 1)
      .exec();
  }

  /** Newest first. */
  async history(repo: string): Promise<SyncHistoryEntry[]> {
    const raw = await this.#redis.lrange(this.#historyKey(repo), 0, HISTORY_LENGTH - 1);
    return raw.map((r) => JSON.parse(r) as SyncHistoryEntry);
  }
}

/** The stored form: no pending time (kept in its own hash), error text sanitised. */
function serialize(state: RepoState): string {
  const { pendingSince: _p, ...stored } = state;
  return JSON.stringify(
    stored.lastError === undefined ? stored : { ...stored, lastError: sanitize(stored.lastError) },
  );
}

/** A stopped repository shows no pending request: no sync will serve it until mirroring resumes. */
function withPending(state: RepoState, pending: string | null): RepoState {
  if (pending === null || state.state === 'stopped') return state;
  return { ...state, pendingSince: Number(pending) };
}
