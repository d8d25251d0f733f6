import { spawn } from 'node:child_process';
import { simpleGit, type SimpleGitProgressEvent } from 'simple-git';
import { Gh2ccError } from '../util/errors.ts';
import { sanitize } from '../util/secrets.ts';
import { classifyGitError } from './classify-git-error.ts';
import { gitEnv } from './git-env.ts';

export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export type GitProgress = Pick<SimpleGitProgressEvent, 'stage' | 'progress' | 'processed' | 'total'>;

export interface GitRunOptions {
  /** The child's whole environment; default: the isolated `gitEnv()`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Text for git's stdin (update-ref --stdin, cat-file --batch-check, rev-list --stdin). */
  readonly input?: string;
  /** Ctrl-C / SIGTERM: the git process is stopped and the call rejects. */
  readonly signal?: AbortSignal | undefined;
  /** What the command does, for error messages. */
  readonly what?: string;
  /** A non-zero exit throws a Gh2ccError classified from stderr (default); false: the caller reads `code`. */
  readonly check?: boolean;
  /** Progress of long transfers (push/fetch/clone with --progress). */
  readonly onProgress?: ((p: GitProgress) => void) | undefined;
}

/**
 * simple-git's guards refuse argv such as `--upload-pack=…` or `-c protocol.allow=…`, and inspect the
 * environment too. gh2cc sets these environment variables itself (isolation from user config, the inline
 * credential helper answering from this child's environment, BatchMode ssh), so exactly those are allowed;
 * every guard on argv stays on.
 */
const ALLOWED_ENV = {
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeAskPass: true,
  allowUnsafeCredentialHelper: true,
  allowUnsafeSshCommand: true,
} as const;

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function interrupted(what: string | undefined): Gh2ccError {
  return new Gh2ccError('internal', `${what ?? 'git'}: stopped on request`, { retryable: false });
}

/**
 * The one way gh2cc runs git, in the product and the sandbox: an argv array (never a shell) with the
 * isolated environment and an abort signal. Transfers that report progress go through simple-git (argv
 * guards, progress events); every other command is spawned directly. simple-git cannot feed stdin, and its
 * completion detection waits a fixed 50 ms after any git process that printed nothing before it resolves
 * (measured: a quiet no-op fetch 37 ms spawned, 90 ms through simple-git) — `init`, `config`, `update-ref`
 * and `fetch --quiet` print nothing, and a sync runs several of them.
 */
export async function runGit(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<GitResult> {
  if (aborted(options.signal)) throw interrupted(options.what);
  const env = options.env ?? gitEnv();
  const result =
    options.onProgress === undefined || options.input !== undefined
      ? await viaSpawn(cwd, args, env, options)
      : await viaSimpleGit(cwd, args, env, options);
  if (result.code !== 0 && options.check !== false) {
    if (aborted(options.signal)) throw interrupted(options.what);
    throw classifyGitError(
      result.stderr,
      options.what ?? `git ${args.find((a) => !a.startsWith('-')) ?? ''}`,
    );
  }
  return result;
}

async function viaSimpleGit(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: GitRunOptions,
): Promise<GitResult> {
  let code = 0;
  let stderr = '';
  const git = simpleGit({
    baseDir: cwd,
    trimmed: false,
    unsafe: ALLOWED_ENV,
    ...(options.signal === undefined ? {} : { abort: options.signal }),
    ...(options.onProgress === undefined ? {} : { progress: options.onProgress }),
    // Exit codes are the caller's to judge (a push with rejected refs exits 1 and still reports on stdout);
    // an Error here means git could not be started at all, and that is thrown.
    errors: (error, result) => {
      code = result.exitCode;
      stderr = Buffer.concat(result.stdErr).toString('utf8');
      // simple-git reports a failure to start git with a negative exit code (-2 for ENOENT).
      return result.exitCode < 0 && error instanceof Error ? error : undefined;
    },
  }).env(env);
  try {
    const stdout = await git.raw([...args]);
    return { stdout, stderr, code };
  } catch (err) {
    if (aborted(options.signal)) throw interrupted(options.what);
    throw new Gh2ccError(
      'internal',
      sanitize(`could not run git ${args[0] ?? ''}: ${err instanceof Error ? err.message : String(err)}`),
      {
        cause: err,
        retryable: false,
      },
    );
  }
}

function viaSpawn(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: GitRunOptions,
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (aborted(options.signal)) reject(interrupted(options.what));
      else
        reject(new Gh2ccError('internal', `could not run git: ${e.message}`, { cause: e, retryable: false }));
    });
    child.on('close', (code, signal) => {
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
