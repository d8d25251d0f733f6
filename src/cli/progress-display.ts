import cliProgress from 'cli-progress';
import type { RepoResult, SyncProgress } from '../core/repo-result.ts';
import { formatDuration, statusLabel } from '../migrate/report.ts';
import { printError } from './output.ts';

export interface ProgressDisplay {
  progress(p: SyncProgress): void;
  result(r: RepoResult): void;
  stop(): void;
}

/**
 * Live progress for a long run: on a terminal, an overall bar plus one line per repository in flight; anywhere
 * else (CI, a pipe, a log file) one plain line per finished repository, so logs stay readable.
 */
export function createProgressDisplay(total: number, tty = process.stderr.isTTY): ProgressDisplay {
  let done = 0;
  if (!tty) {
    return {
      progress: () => undefined,
      result(r) {
        done += 1;
        const detail = r.errors[0] ?? `${r.refsPushed} refs in ${r.pushes} pushes`;
        printError(
          `[${done}/${total}] ${r.repo} → ${r.target}: ${statusLabel(r, ', verified')} (${detail}, ${formatDuration(r.durationMs)})`,
        );
      },
      stop: () => undefined,
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
      format: '{label} [{bar}] {value}/{total} {state}',
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const overall = multi.create(total, 0, { label: 'all repositories'.padEnd(32), state: '' });
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    progress(p) {
      let bar = bars.get(p.repo);
      if (bar === undefined) {
        bar = multi.create(1, 0, { label: p.repo.slice(0, 32).padEnd(32), state: p.phase });
        bars.set(p.repo, bar);
      }
      if (p.phase === 'push' && p.total !== undefined && p.total > 0) {
        bar.setTotal(p.total);
        bar.update(p.done ?? 0, { state: `push ${p.done ?? 0}/${p.total}` });
      } else {
        bar.update({ state: p.phase });
      }
    },
    result(r) {
      const bar = bars.get(r.repo);
      if (bar !== undefined) {
        multi.remove(bar);
        bars.delete(r.repo);
      }
      multi.log(
        `${r.repo} → ${r.target}: ${statusLabel(r)} (${r.refsPushed} refs, ${formatDuration(r.durationMs)})\n`,
      );
      overall.increment(1, { state: '' });
    },
    stop() {
      multi.stop();
    },
  };
}
