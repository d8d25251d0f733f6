import { Queue } from 'bullmq';
import type { RedisClient } from '../queue/redis-connection.ts';
import {
  QUEUES,
  type DriftJobData,
  type IamJobData,
  type ReconcileJobData,
  type SyncJobData,
} from './queues.ts';
import type { MigrateJobData } from './migrate-job.ts';

export interface Gh2ccQueues {
  readonly migrate: Queue<MigrateJobData>;
  readonly sync: Queue<SyncJobData>;
  readonly reconcile: Queue<ReconcileJobData>;
  readonly drift: Queue<DriftJobData>;
  readonly iam: Queue<IamJobData>;
  close(): Promise<void>;
}

/** Producer handles on every gh2cc queue, sharing one connection; all keys under the hash-tagged prefix. */
export function openQueues(connection: RedisClient, prefix: string): Gh2ccQueues {
  const opts = { connection, prefix };
  const queues = {
    migrate: new Queue<MigrateJobData>(QUEUES.migrate, opts),
    sync: new Queue<SyncJobData>(QUEUES.sync, opts),
    reconcile: new Queue<ReconcileJobData>(QUEUES.reconcile, opts),
    drift: new Queue<DriftJobData>(QUEUES.drift, opts),
    iam: new Queue<IamJobData>(QUEUES.iam, opts),
  };
  for (const q of Object.values(queues)) q.on('error', () => undefined);
  let closing: Promise<void> | undefined;
  return {
    ...queues,
    close() {
      closing ??= Promise.all(Object.values(queues).map((q) => q.close())).then(() => undefined);
      return closing;
    },
  };
}
