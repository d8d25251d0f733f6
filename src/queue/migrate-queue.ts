/** The queue `gh2cc migrate --redis-url` fills and `gh2cc worker` drains. */
export const MIGRATE_QUEUE = 'migrate';

/** Job data: identifiers and plain options only — never a token, key or password. */
export interface MigrateJobData {
  readonly runId: string;
  readonly owner: string;
  readonly repo: string;
  readonly target: string;
  readonly verify: 'refs' | 'deep';
  readonly wikis: boolean;
}

export function migrateJobId(data: Pick<MigrateJobData, 'runId' | 'owner' | 'repo'>): string {
  // BullMQ job ids may not contain ':' in custom ids; keep them readable.
  return `${data.runId}__${data.owner}__${data.repo}`;
}
