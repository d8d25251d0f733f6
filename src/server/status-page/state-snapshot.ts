import { shownState, type MirrorState, type RepoState } from '../../state/repo-state.ts';

/** The states in the order the page shows them: trouble first. */
export const STATE_ORDER = [
  'failing',
  'diverged',
  'behind',
  'syncing',
  'pending',
  'ok',
  'archived',
  'stopped',
] as const satisfies readonly MirrorState[];

// Every state has a place in STATE_ORDER (a new one fails the type check here, not silently on the page).
type Unlisted = Exclude<MirrorState, (typeof STATE_ORDER)[number]>;
const _everyStateListed: [Unlisted] extends [never] ? true : never = true;

export function isMirrorState(value: string): value is MirrorState {
  return (STATE_ORDER as readonly string[]).includes(value);
}

export interface StatusRow {
  readonly state: RepoState;
  readonly shown: MirrorState;
  /** Lower-cased text the search box matches: owner/name, CodeCommit name, description. */
  readonly haystack: string;
}

export interface StateSnapshot {
  /** When the states were read (ms since epoch). */
  readonly takenAt: number;
  /** Sorted by owner/name. */
  readonly rows: readonly StatusRow[];
  readonly counts: Readonly<Record<MirrorState, number>>;
}

export function buildSnapshot(states: readonly RepoState[], takenAt: number): StateSnapshot {
  const counts = Object.fromEntries(STATE_ORDER.map((s) => [s, 0])) as Record<MirrorState, number>;
  const rows = states.map((state): StatusRow => {
    const shown = shownState(state);
    counts[shown] += 1;
    return {
      state,
      shown,
      haystack: `${state.repo}\n${state.target}\n${state.description ?? ''}`.toLowerCase(),
    };
  });
  return { takenAt, rows, counts };
}

/**
 * Every repository's state, read at most once per `ttlMs` however many people look at the page (reading
 * 10,000 states is one HGETALL plus 10,000 JSON parses); requests arriving during a read share it, and a
 * failed read is not kept.
 */
export function cachedSnapshots(
  read: () => Promise<readonly RepoState[]>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<StateSnapshot> {
  let cached: { readonly at: number; readonly snapshot: Promise<StateSnapshot> } | undefined;
  return () => {
    const t = now();
    if (cached === undefined || t - cached.at >= ttlMs) {
      const entry = {
        at: t,
        snapshot: read().then((states) => buildSnapshot(states, t)),
      };
      cached = entry;
      entry.snapshot.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.snapshot;
  };
}

export interface ListQuery {
  readonly state?: MirrorState;
  /** Search text as typed (matched case-insensitively, as a substring). */
  readonly q: string;
  /** 1-based. */
  readonly page: number;
}

export interface ListPage {
  readonly rows: readonly StatusRow[];
  /** Rows matching the filters, on every page. */
  readonly matching: number;
  readonly page: number;
  readonly pages: number;
}

/** Reads `?state=&q=&page=` leniently: anything unknown means "no filter" or page 1. */
export function parseListQuery(query: Readonly<Record<string, unknown>>): ListQuery {
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const state = text(query['state']);
  const page = Number.parseInt(text(query['page']), 10);
  return {
    ...(isMirrorState(state) ? { state } : {}),
    q: text(query['q']).trim().slice(0, 200),
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

export function selectPage(snapshot: StateSnapshot, query: ListQuery, pageSize: number): ListPage {
  const needle = query.q.toLowerCase();
  const matching = snapshot.rows.filter(
    (r) => (query.state === undefined || r.shown === query.state) && r.haystack.includes(needle),
  );
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = Math.min(query.page, pages);
  return {
    rows: matching.slice((page - 1) * pageSize, page * pageSize),
    matching: matching.length,
    page,
    pages,
  };
}
