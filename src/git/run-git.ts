import { exec, type ExecResult } from '../util/exec.ts';
import { gitEnv } from './git-env.ts';

/** Runs git in `cwd` with the isolated environment; rejects on a non-zero exit. */
export function runGit(
  cwd: string,
  args: readonly string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; check?: boolean } = {},
): Promise<ExecResult> {
  return exec('git', args, { cwd, env: options.env ?? gitEnv(), input: options.input, check: options.check });
}
