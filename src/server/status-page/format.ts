/** Text for times and durations on the status page (the same wording as `gh2cc status`). */

export function ago(iso: string | undefined, now: number): string {
  if (iso === undefined) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  return `${duration((now - t) / 1000)} ago`;
}

/** Seconds as people read them: 45s, 12m, 5h, 3d. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

export function millis(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Abbreviated object id, as git prints it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 12);
}
