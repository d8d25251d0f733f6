import { spawn, type ChildProcess } from 'node:child_process';
import { Gh2ccError } from '../util/errors.ts';
import { classifyGitError } from './classify-git-error.ts';
import { gitEnv } from './git-env.ts';

export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** One progress line of a transfer (`Writing objects:  50% (1/2)`): stage is its first word, lower-cased. */
export interface GitProgress {
  readonly stage: string;
  readonly progress: number;
  readonly processed: number;
  readonly total: number;
  /** Bytes transferred so far, and the rate, when git shows them (`Writing objects`, `Receiving objects`). */
  readonly bytes?: number;
  readonly bytesPerSecond?: number;
}

export interface GitRunOptions {
  /** The child's whole environment; default: the isolated `gitEnv()`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Text for git's stdin (update-ref --stdin, cat-file --batch-check, rev-list --stdin). */
  readonly input?: string;
  /** Ctrl-C / SIGTERM: git and every helper it started are stopped and the call rejects. */
  readonly signal?: AbortSignal | undefined;
  /** What the command does, for error messages. */
  readonly what?: string;
  /** A non-zero exit throws a Gh2ccError classified from stderr (default); false: the caller reads `code`. */
  readonly check?: boolean;
  /** Progress of long transfers (push/fetch/clone with --progress). */
  readonly onProgress?: ((p: GitProgress) => void) | undefined;
}

/** How long git's process group gets to end after SIGTERM before it is sent SIGKILL. */
const KILL_GRACE_MS = 2000;

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function interrupted(what: string | undefined): Gh2ccError {
  return new Gh2ccError('internal', `${what ?? 'git'}: stopped on request`, { retryable: false });
}

/**
 * Process groups of the git commands running now. Each git runs in its own group (it and the helpers it
 * starts, git-remote-http, ssh, pack-objects), so stopping it ends them all: killing only the git parent left
 * git-remote-http running, holding the stderr pipe open and keeping gh2cc alive. The price of a group of its
 * own is that a Ctrl-C on the terminal no longer reaches git directly, and that git outlives a gh2cc that
 * exits without stopping it: `exit` below ends every group on any normal or `process.exit` exit. After a
 * SIGKILL of gh2cc nothing runs, and a detached git ends by itself, within a bounded time: a stalled transfer
 * after `http.lowSpeedTime` (GIT_HTTP_LOW_SPEED_TIME, see `gitNetworkEnv`), one still moving data at its next
 * write to the pipes gh2cc held (SIGPIPE: the progress lines of `--progress`, its final report otherwise).
 */
const runningGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function track(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const pid = child.pid;
  runningGroups.add(pid);
  child.once('exit', () => runningGroups.delete(pid));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const group of runningGroups) killGroup(group, 'SIGKILL');
    });
  }
}

/**
 * The one way gh2cc runs git, in the product and the sandbox: an argv array (never a shell), the isolated
 * environment, its own process group and an abort signal that ends that whole group. Transfers asked for
 * progress (`--progress`) report it from git's stderr lines.
 */
export async function runGit(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<GitResult> {
  if (aborted(options.signal)) throw interrupted(options.what);
  const result = await spawnGit(cwd, args, options.env ?? gitEnv(), options);
  if (aborted(options.signal)) throw interrupted(options.what);
  if (result.code !== 0 && options.check !== false) {
    throw classifyGitError(
      result.stderr,
      options.what ?? `git ${args.find((a) => !a.startsWith('-')) ?? ''}`,
    );
  }
  return result;
}

/** Progress lines are separated by CR (updates of one line) or LF; `remote:` lines are the server's. */
function progressReader(onProgress: (p: GitProgress) => void): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk.toString('utf8')).split(/[\r\n]/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const p = parseGitProgress(line);
      if (p !== undefined) onProgress(p);
    }
  };
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  byte: 1,
  bytes: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** An amount as git's progress writes it: `232 bytes`, `1.20 MiB`. */
const AMOUNT = '([\\d.]+) (bytes?|[KMG]iB)';
const PROGRESS_LINE = new RegExp(
  `^([A-Za-z][A-Za-z ]*?):\\s*(\\d+)% \\((\\d+)/(\\d+)\\)(?:, ${AMOUNT}(?: \\| ${AMOUNT}/s)?)?`,
);

/**
 * One line of git's `--progress` (git runs with LC_ALL=C, so the words are English):
 * `Writing objects:  50% (1/2), 1.20 MiB | 3.00 MiB/s`; the size and rate come only on transfers.
 */
export function parseGitProgress(line: string): GitProgress | undefined {
  const m = PROGRESS_LINE.exec(line);
  if (m === null) return undefined;
  const size = (n: string | undefined, unit: string | undefined): number | undefined =>
    n === undefined || unit === undefined ? undefined : Math.round(Number(n) * (BYTE_UNITS[unit] ?? 1));
  const bytes = size(m[5], m[6]);
  const rate = size(m[7], m[8]);
  return {
    stage: (m[1] ?? '').toLowerCase().split(' ', 1)[0] ?? 'unknown',
    progress: Number(m[2]),
    processed: Number(m[3]),
    total: Number(m[4]),
    ...(bytes === undefined ? {} : { bytes }),
    ...(rate === undefined ? {} : { bytesPerSecond: rate }),
  };
}

function spawnGit(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: GitRunOptions,
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    track(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    if (options.onProgress !== undefined) child.stderr.on('data', progressReader(options.onProgress));
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (child.pid === undefined) return;
      const pid = child.pid;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    const done = (): void => {
      options.signal?.removeEventListener('abort', stop);
      if (killTimer !== undefined) clearTimeout(killTimer);
    };
    child.on('error', (e) => {
      done();
      if (aborted(options.signal)) reject(interrupted(options.what));
      else
        reject(new Gh2ccError('internal', `could not run git: ${e.message}`, { cause: e, retryable: false }));
    });
    // `close` waits for the pipes, which git's helpers share: after a group kill they close together.
    child.on('close', (code, signal) => {
      done();
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? (signal === null ? 1 : 128),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

/** Branch and tag lines of ls-remote / for-each-ref output (`<sha> <ref>`), peeled `^{}` lines dropped. */
export function parseRefLines(text: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40,64})\s+(\S+)$/.exec(line.trim());
    if (m !== null && m[2] !== undefined && m[1] !== undefined && !m[2].endsWith('^{}')) refs.set(m[2], m[1]);
  }
  return refs;
}
