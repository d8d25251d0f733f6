import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../util/logger.ts';

/** How one repository sync ended; the `result` label of `gh2cc_sync_duration_seconds`. */
export type SyncResult = 'migrated' | 'up-to-date' | 'empty' | 'diverged' | 'failed' | 'interrupted';

export interface QueueJobCounts {
  queue: string;
  /** Jobs per BullMQ state (waiting, active, delayed, failed, completed, prioritized, ...). */
  counts: Record<string, number>;
}

/**
 * Where the gauges read their values at scrape time. Each is read on its own: one that throws leaves
 * its gauge as the previous scrape saw it and the others are still reported.
 */
export interface MetricSources {
  queueCounts(): Promise<QueueJobCounts[]>;
  reposInDrift(): Promise<number>;
  /** Seconds since the least recently synced repository last synced; undefined when none has yet. */
  oldestSuccessAgeSeconds(): Promise<number | undefined>;
  reposByState(): Promise<Record<string, number>>;
  /** Warned on when a source throws; nothing is logged without it. */
  log?: Logger;
}

export interface Gh2ccMetrics {
  /** gh2cc's own registry: default process metrics plus the gh2cc_* metrics below, nothing global. */
  registry: Registry;
  syncDuration: Histogram<'result'>;
  syncFailures: Counter<'code'>;
  queueJobs: Gauge<'queue' | 'state'>;
  reposInDrift: Gauge;
  oldestSuccessAge: Gauge;
  repos: Gauge<'state'>;
  webhookDeliveries: Counter<'event' | 'outcome'>;
  webhookSignatureFailures: Counter;
  webhookEnqueueSeconds: Histogram;
}

// A no-op fetch answers in tens of milliseconds; a first mirror of a large repository can take minutes.
const SYNC_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export function createMetrics(sources: MetricSources): Gh2ccMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  // Runs one source; a failure keeps the last values rather than failing the whole scrape.
  async function read<T>(source: string, load: () => Promise<T>, apply: (value: T) => void): Promise<void> {
    let value: T;
    try {
      value = await load();
    } catch (error) {
      sources.log?.warn({ err: error, source }, 'metrics source failed; keeping its previous values');
      return;
    }
    apply(value);
  }

  const syncDuration = new Histogram({
    name: 'gh2cc_sync_duration_seconds',
    help: 'Time taken by one repository sync, by result',
    labelNames: ['result'],
    buckets: SYNC_DURATION_BUCKETS,
    registers,
  });

  const syncFailures = new Counter({
    name: 'gh2cc_sync_failures_total',
    help: 'Repository syncs that failed, by error code',
    labelNames: ['code'],
    registers,
  });

  const queueJobs = new Gauge({
    name: 'gh2cc_queue_jobs',
    help: 'Jobs in each queue, by state',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      await read(
        'queueCounts',
        () => sources.queueCounts(),
        (queues) => {
          // Reset first so a queue or state that is gone stops being reported.
          this.reset();
          for (const { queue, counts } of queues) {
            for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
          }
        },
      );
    },
  });

  const reposInDrift = new Gauge({
    name: 'gh2cc_repos_in_drift',
    help: 'Repositories whose CodeCommit refs differ from GitHub at the last drift check',
    registers,
    async collect() {
      await read(
        'reposInDrift',
        () => sources.reposInDrift(),
        (count) => this.set(count),
      );
    },
  });

  const oldestSuccessAge = new Gauge({
    name: 'gh2cc_oldest_successful_sync_age_seconds',
    help: 'Seconds since the least recently synced repository last synced successfully; absent until one has',
    registers,
    async collect() {
      await read(
        'oldestSuccessAgeSeconds',
        () => sources.oldestSuccessAgeSeconds(),
        (age) => {
          // No sample rather than 0: 0 would read as "everything just synced" before anything has.
          if (age === undefined) this.remove();
          else this.set(age);
        },
      );
    },
  });

  const repos = new Gauge({
    name: 'gh2cc_repos',
    help: 'Mirrored repositories, by state',
    labelNames: ['state'],
    registers,
    async collect() {
      await read(
        'reposByState',
        () => sources.reposByState(),
        (byState) => {
          this.reset();
          for (const [state, count] of Object.entries(byState)) this.set({ state }, count);
        },
      );
    },
  });

  const webhookDeliveries = new Counter({
    name: 'gh2cc_webhook_deliveries_total',
    help: 'Webhook deliveries, by GitHub event and outcome (queued, ignored, duplicate, ping, rejected, unavailable)',
    labelNames: ['event', 'outcome'],
    registers,
  });

  const webhookSignatureFailures = new Counter({
    name: 'gh2cc_webhook_signature_failures_total',
    help: 'Webhook requests refused for a missing or wrong X-Hub-Signature-256',
    registers,
  });

  const webhookEnqueueSeconds = new Histogram({
    name: 'gh2cc_webhook_enqueue_seconds',
    help: 'Time from a verified delivery to its job being in Redis',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });

  return {
    registry,
    syncDuration,
    syncFailures,
    queueJobs,
    reposInDrift,
    oldestSuccessAge,
    repos,
    webhookDeliveries,
    webhookSignatureFailures,
    webhookEnqueueSeconds,
  };
}
