import cliProgress from 'cli-progress';
import type { RepoResult, SyncProgress } from '../core/repo-result.ts';
import { formatBytes, formatDuration } from '../migrate/report.ts';
import { printError } from './output.ts';

export interface ProgressDisplay {
  progress(p: SyncProgress): void;
  result(r: RepoResult): void;
  stop(): void;
}

export interface ProgressDisplayOptions {
  /** Draw bars (a terminal) or write plain lines (CI, a pipe, a log file). Default: whether stderr is a TTY. */
  readonly tty?: boolean;
  /** Where the bars are drawn (default stderr). */
  readonly stream?: NodeJS.WritableStream;
  /** Where plain lines go (default stderr, through the secrets sanitizer). */
  readonly writeLine?: (line: string) => void;
  readonly now?: () => number;
  /** Without a TTY: a repository still pushing gets a line this often, so a long push shows it is moving. */
  readonly everyMs?: number;
}

/** Without a TTY, how often a long push reports how far it got. */
const PLAIN_PROGRESS_EVERY_MS = 20_000;

/**
 * What a repository in flight is doing, in a few words. During a push, git's own progress of the current
 * push (objects, and bytes and rate when git shows them): a first push of a big repository is one step that
 * can take many minutes, and "push 0/1" alone would look stuck.
 */
export function describeProgress(p: SyncProgress): string {
  if (p.phase !== 'push' || p.total === undefined || p.total === 0) return p.phase;
  const done = p.done ?? 0;
  const step = p.total > 1 ? `push ${Math.min(done + 1, p.total)}/${p.total}` : 'push';
  const o = p.objects;
  if (o === undefined) return step;
  const pct = o.total === 0 ? 100 : Math.floor((o.processed / o.total) * 100);
  const bytes = o.bytes === undefined ? '' : `, ${formatBytes(o.bytes)}`;
  const rate = o.bytesPerSecond === undefined ? '' : ` at ${formatBytes(o.bytesPerSecond)}/s`;
  return `${step}: ${o.processed}/${o.total} objects (${pct}%)${bytes}${rate}`;
}

/** How far along a repository is, in push steps, counting the current step's objects as a fraction of it. */
function pushFraction(p: SyncProgress): number {
  const total = p.total ?? 0;
  if (total === 0) return 0;
  const part = p.objects !== undefined && p.objects.total > 0 ? p.objects.processed / p.objects.total : 0;
  return Math.min(1, ((p.done ?? 0) + part) / total);
}

/** How a repository ended, in one line; the verified mark only beside a status that ended well. */
function resultLine(r: RepoResult, verifiedMark: string): string {
  const endedWell = r.status === 'migrated' || r.status === 'up-to-date' || r.status === 'empty';
  return `${r.repo} → ${r.target}: ${r.status}${r.verified && endedWell ? verifiedMark : ''}`;
}

/**
 * Live progress for a long run: on a terminal, an overall bar plus one line per repository in flight; anywhere
 * else (CI, a pipe, a log file) one plain line per finished repository, and one every `everyMs` for a
 * repository still pushing, so logs stay readable and a long push still shows it moves.
 */
export function createProgressDisplay(total: number, options: ProgressDisplayOptions = {}): ProgressDisplay {
  const tty = options.tty ?? process.stderr.isTTY;
  const now = options.now ?? Date.now;
  let done = 0;
  if (!tty) {
    const writeLine = options.writeLine ?? printError;
    const everyMs = options.everyMs ?? PLAIN_PROGRESS_EVERY_MS;
    /** Per repository pushing: when it last got a line (or started pushing). */
    const lastLine = new Map<string, number>();
    return {
      progress(p) {
        if (p.phase !== 'push') return;
        const last = lastLine.get(p.repo);
        if (last === undefined) lastLine.set(p.repo, now());
        else if (now() - last >= everyMs) {
          lastLine.set(p.repo, now());
          writeLine(`${p.repo}: ${describeProgress(p)}`);
        }
      },
      result(r) {
        done += 1;
        lastLine.delete(r.repo);
        const detail = r.errors[0] ?? `${r.refsPushed} refs in ${r.pushes} pushes`;
        writeLine(
          `[${done}/${total}] ${resultLine(r, ', verified')} (${detail}, ${formatDuration(r.durationMs)})`,
        );
      },
      stop: () => undefined,
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream: options.stream ?? process.stderr,
      clearOnComplete: true,
      hideCursor: true,
      format: '{label} [{bar}] {state}',
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const overall = multi.create(total, 0, { label: 'all repositories'.padEnd(32), state: `0/${total}` });
  const bars = new Map<string, cliProgress.SingleBar>();
  /** Bars count thousandths, so the current push step's objects move the bar too. */
  const SCALE = 1000;
  return {
    progress(p) {
      let bar = bars.get(p.repo);
      if (bar === undefined) {
        bar = multi.create(SCALE, 0, { label: p.repo.slice(0, 32).padEnd(32), state: p.phase });
        bars.set(p.repo, bar);
      }
      if (p.phase === 'push') bar.update(Math.round(pushFraction(p) * SCALE), { state: describeProgress(p) });
      else bar.update({ state: describeProgress(p) });
    },
    result(r) {
      const bar = bars.get(r.repo);
      if (bar !== undefined) {
        multi.remove(bar);
        bars.delete(r.repo);
      }
      multi.log(`${resultLine(r, ' ✓')} (${r.refsPushed} refs, ${formatDuration(r.durationMs)})\n`);
      done += 1;
      overall.increment(1, { state: `${done}/${total}` });
    },
    stop() {
      multi.stop();
    },
  };
}
