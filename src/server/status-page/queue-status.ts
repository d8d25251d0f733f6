/** One BullMQ queue as the status page shows it. */
export interface QueueStatus {
  readonly queue: string;
  /** Jobs by BullMQ state (waiting, prioritized, active, delayed, failed, …). */
  readonly counts: Readonly<Record<string, number>>;
  /** Worker connections seen on Redis for this queue; undefined when Redis does not list its clients. */
  readonly workers: number | undefined;
}
