import { readFile } from 'node:fs/promises';
import type { PushLogEntry } from '../../src/sandbox/codecommit-git.ts';

export async function readPushLog(path: string): Promise<PushLogEntry[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as PushLogEntry);
}

/** Repos that received two pushes at overlapping times (must never happen), and refs set to one value twice. */
export function pushAnomalies(entries: readonly PushLogEntry[]): {
  overlapping: string[];
  repeated: string[];
} {
  const byRepo = new Map<string, PushLogEntry[]>();
  for (const e of entries) byRepo.set(e.repo, [...(byRepo.get(e.repo) ?? []), e]);
  const overlapping: string[] = [];
  const repeated: string[] = [];
  for (const [repo, list] of byRepo) {
    const sorted = [...list].sort((a, b) => a.started.localeCompare(b.started));
    for (let i = 1; i < sorted.length; i += 1) {
      const prev = sorted[i - 1];
      const cur = sorted[i];
      if (prev !== undefined && cur !== undefined && cur.started < prev.time) overlapping.push(repo);
    }
    const seen = new Set<string>();
    for (const e of list.filter((x) => x.accepted)) {
      for (const r of e.refs) {
        const key = `${r.ref}@${r.after}`;
        if (seen.has(key)) repeated.push(`${repo} ${key}`);
        seen.add(key);
      }
    }
  }
  return { overlapping, repeated };
}
