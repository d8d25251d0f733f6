/**
 * What the mirror itself last verified on CodeCommit, ref → sha: the only refs it may move backwards or
 * delete there (GitHub force-pushed or deleted them). Anything else that differs is someone else's change.
 * The daemon keeps it in Redis, so every worker sees it whatever its cache holds; a one-time `migrate`
 * without Redis keeps it in the mirror cache.
 */
export interface PushedRecord {
  load(): Promise<Map<string, string>>;
  /** Applies changes: a sha records the ref, undefined forgets it (gone from CodeCommit). */
  save(changes: ReadonlyMap<string, string | undefined>): Promise<void>;
  /**
   * For a record kept as refs in the cache entry: their prefix, under which git records a push itself (as
   * remote-tracking refs), sparing a process per push; then only what git failed to record is saved.
   */
  readonly trackedIn?: string;
}
