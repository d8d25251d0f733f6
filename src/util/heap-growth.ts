import { setFlagsFromString } from 'node:v8';

/**
 * How much V8 lets the old generation grow past what survived the last full GC before it collects again.
 * Left to itself V8 grows it up to 4× when the process is mostly idle, so one batch of short-lived objects
 * (a reconcile parses every page of a 10,000-repository listing) leaves a long-running daemon holding
 * 100 MB of garbage it has no reason to collect. At 1.5× the daemon stays under 200 MB through that
 * reconcile at the cost of a few more full GCs of a small heap (`npm run bench -- scale`).
 */
export const HEAP_GROWING_PERCENT = 50;

/** For the processes that run jobs (daemon, worker): bounds heap growth for the rest of the process. */
export function boundHeapGrowth(percent: number = HEAP_GROWING_PERCENT): void {
  // Read by V8 whenever it sets the next full-GC limit, so setting it after start takes effect.
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
