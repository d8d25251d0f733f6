import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The gh2cc bin, run as users run it. */
export const BIN = join(import.meta.dirname, '..', 'bin', 'gh2cc.js');

/**
 * Builds dist/ before a measurement. The bin runs the TypeScript through tsx when dist/ is older than the
 * sources (an edit since the last build), which costs more memory and CPU than the product: a daemon measured
 * that way used 196 MB instead of 146 MB. What is measured must be what users run.
 */
export function buildFirst(): void {
  execFileSync(process.execPath, [join(dirname(BIN), 'build.js')], { stdio: 'inherit' });
}

export interface NodeProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
}

/** `node ARGS` with the bench's environment plus `env`, collecting its output. */
export function startNode(args: readonly string[], env: Record<string, string>): NodeProcess {
  let err = '';
  let out = '';
  const child = spawn('node', [...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  return { child, stderr: () => err, stdout: () => out };
}

/** Resolves once `check` passes (polled every 20 ms); throws after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out: ${what}`);
}

/** CPU seconds (user + system) a process has used, from /proc; with `children`, also its waited-for children's. */
export async function cpuSeconds(pid: number | 'self', children = false): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const own = Number(fields[11]) + Number(fields[12]);
  return (children ? own + Number(fields[13]) + Number(fields[14]) : own) / 100;
}
