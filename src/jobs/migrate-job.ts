/** The queue `gh2cc migrate --redis-url` fills and `gh2cc worker` drains. */
export const MIGRATE_QUEUE = 'migrate';

/** Job data: identifiers and plain options only — never a token, key or password. */
export interface MigrateJobData {
  readonly runId: string;
  readonly owner: string;
  readonly repo: string;
  readonly target: string;
  /** What the plan saw in CodeCommit: 'create' lets the worker skip a lookup. */
  readonly planned?: 'create' | 'adopt' | 'update';
  readonly verify: 'refs' | 'deep';
  readonly wikis: boolean;
  /** The run's push settings, so every worker pushes as the CLI was told to. */
  readonly maxRefsPerPush?: number;
  readonly incrementCommits?: number;
}

export function migrateJobId(data: Pick<MigrateJobData, 'runId' | 'owner' | 'repo'>): string {
  // BullMQ job ids may not contain ':' in custom ids; keep them readable.
  return `${data.runId}__${data.owner}__${data.repo}`;
}
