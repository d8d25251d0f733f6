import type { Logger } from 'pino';

/**
 * A warning that can repeat many times a second — every reconnect attempt of every Redis connection while
 * Redis is away — logged once, then at most once per `intervalMs` for the same key, with how many were held
 * back (`repeated`). A different key (another error) is logged at once.
 */
export function repeatLimitedWarn(
  log: Logger,
  intervalMs = 30_000,
): (key: string, fields: Record<string, unknown>, msg: string) => void {
  const last = new Map<string, { at: number; held: number }>();
  return (key, fields, msg) => {
    const now = Date.now();
    const seen = last.get(key);
    if (seen !== undefined && now - seen.at < intervalMs) {
      seen.held += 1;
      return;
    }
    log.warn(seen === undefined || seen.held === 0 ? fields : { ...fields, repeated: seen.held }, msg);
    // Moved to the end: the oldest entry is the one dropped below.
    last.delete(key);
    last.set(key, { at: now, held: 0 });
    // Bounded: keys are error messages, and a long outage could see many.
    if (last.size > 100) last.delete(last.keys().next().value as string);
  };
}
