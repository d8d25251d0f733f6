import type { Logger } from 'pino';
import type { Gh2ccQueues } from '../jobs/open-queues.ts';
import { QUEUES } from '../jobs/queues.ts';
import { shownState, type RepoState } from '../state/repo-state.ts';
import type { StateStore } from '../state/state-store.ts';
import { withDeadline } from '../util/deadline.ts';
import type { MetricSources } from '../server/create-metrics.ts';

/** Reading every repository's state is one HGETALL; a scrape reuses it for a few seconds. */
const STATE_TTL_MS = 5000;
/** A scrape must answer while Redis is away: a source that takes longer is skipped for this scrape. */
const SOURCE_TIMEOUT_MS = 2000;

function bounded<T>(work: Promise<T>): Promise<T> {
  return withDeadline(
    work,
    SOURCE_TIMEOUT_MS,
    () => new Error('metric source timed out (Redis unreachable?)'),
  );
}

/** Jobs per BullMQ state in every gh2cc queue: what /metrics exports and the status page shows. */
export function readQueueCounts(
  queues: Gh2ccQueues,
): Promise<{ queue: string; counts: Record<string, number> }[]> {
  const kinds = Object.keys(QUEUES) as (keyof typeof QUEUES)[];
  return Promise.all(
    kinds.map(async (kind) => ({
      queue: QUEUES[kind],
      counts: await queues[kind].getJobCounts(
        'waiting',
        'active',
        'delayed',
        'failed',
        'completed',
        'prioritized',
      ),
    })),
  );
}

/** What /metrics reads at scrape time: queue depths from BullMQ, mirror health from the state store. */
export function metricSources(queues: Gh2ccQueues, state: StateStore, log: Logger): MetricSources {
  let cached: { at: number; states: Promise<RepoState[]> } | undefined;
  const states = (): Promise<RepoState[]> => {
    if (cached === undefined || Date.now() - cached.at > STATE_TTL_MS)
      cached = { at: Date.now(), states: bounded(state.all()) };
    return cached.states;
  };
  return {
    log,
    async queueCounts() {
      return bounded(readQueueCounts(queues));
    },
    async reposInDrift() {
      return (await states()).filter((s) => s.divergentRefs.length > 0).length;
    },
    async oldestSuccessAgeSeconds() {
      const times = (await states())
        .filter((s) => s.state !== 'stopped' && s.lastSuccessAt !== undefined)
        .map((s) => Date.parse(s.lastSuccessAt ?? ''));
      return times.length === 0 ? undefined : (Date.now() - Math.min(...times)) / 1000;
    },
    async reposByState() {
      const counts: Record<string, number> = {};
      for (const s of await states()) counts[shownState(s)] = (counts[shownState(s)] ?? 0) + 1;
      return counts;
    },
  };
}
