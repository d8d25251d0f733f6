import { spawn } from 'node:child_process';
import { Gh2ccError } from './errors.ts';
import { sanitize } from './secrets.ts';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Reject when the exit code is not 0 (default true). */
  check?: boolean;
  signal?: AbortSignal;
  maxBuffer?: number;
}

/**
 * Runs a program with an argv array (never a shell). Output is collected as text; a non-zero exit rejects
 * with a Gh2ccError whose message carries sanitized stderr.
 */
export function exec(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const max = options.maxBuffer ?? 512 * 1024 * 1024;
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= max) out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      reject(
        new Gh2ccError('internal', `could not run ${file}: ${e.message}`, { cause: e, retryable: false }),
      );
    });
    child.on('close', (code, signal) => {
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? (signal === null ? 1 : 128),
      };
      if (result.code !== 0 && options.check !== false) {
        const what = `${file} ${args.slice(0, 2).join(' ')}`;
        reject(
          new Gh2ccError('internal', sanitize(`${what} exited ${result.code}: ${result.stderr.trim()}`), {
            retryable: false,
          }),
        );
        return;
      }
      resolve(result);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
