import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = join(process.cwd(), 'bin/gh2cc.js');

export interface RunningProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/**
 * Per-user folders for a CLI run, so tests never read the developer's ~/.config/gh2cc or write into their
 * ~/.local/state: one state folder per working directory, as the cache and logs once lived in `<cwd>/.gh2cc`
 * (two runs from one folder share a mirror cache), kept outside that folder so it stays as the test left it.
 */
function userDirs(cwd: string): Record<string, string> {
  const root = join(tmpdir(), 'gh2cc-test-home', createHash('sha256').update(cwd).digest('hex').slice(0, 16));
  return { XDG_CONFIG_HOME: join(root, 'config'), XDG_STATE_HOME: join(root, 'state') };
}

/** Runs `gh2cc …` as a real process with the given environment, collecting its output. */
export function gh2cc(
  args: readonly string[],
  env: Record<string, string>,
  cwd = process.cwd(),
  stdin?: string,
): RunningProcess {
  const child = spawn('node', [BIN, ...args], {
    cwd,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      ...userDirs(cwd),
      ...env,
    },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin?.end(stdin);
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  // Resolved once it has exited and everything it printed has been read: 'exit' alone can come before the last
  // of its output is read when the machine is busy. (A child it left behind holding the pipes open: 5 s, then
  // what came so far.)
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('exit', (code) => setTimeout(() => resolve(code), 5000).unref());
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** A finished `gh2cc` run: its exit code and everything it printed. */
export interface FinishedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `gh2cc …` (as `gh2cc` does) and waits for it to exit. */
export async function runGh2cc(
  args: readonly string[],
  env: Record<string, string>,
  cwd?: string,
  stdin?: string,
): Promise<FinishedRun> {
  const p = gh2cc(args, env, cwd, stdin);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/**
 * Runs any command to its end with exactly `env` (nothing inherited), collecting what it printed; rejects
 * only when it cannot be started.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; stdin?: string },
): Promise<FinishedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

/** Resolves when `check` passes, polling; rejects after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
