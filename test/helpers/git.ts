import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastImportStream } from '../../src/git/fast-import.ts';
import { gitEnv, withGitConfig } from '../../src/git/git-env.ts';
import { runGit } from '../../src/git/git-runner.ts';
import type { GitResult as ExecResult } from '../../src/git/git-runner.ts';

export async function tempDir(prefix = 'gh2cc-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A local bare repo with `commits` linear commits on main and the given extra refs, via fast-import. */
export async function makeRepo(
  commits: number,
  build?: (s: FastImportStream, tips: number[]) => void,
): Promise<string> {
  const dir = await tempDir('gh2cc-src-');
  await runGit(dir, ['init', '--bare', '--quiet', '--initial-branch=main']);
  const s = new FastImportStream();
  const tips: number[] = [];
  for (let i = 1; i <= commits; i += 1) {
    tips.push(s.commit({ branch: 'refs/heads/main', message: `c${i}`, files: { 'f.txt': `${i}\n` } }));
  }
  build?.(s, tips);
  await runGit(dir, ['fast-import', '--quiet'], { input: s.toString() });
  return dir;
}

/** Runs git with a credential helper command (as git would call it) and path-scoped credentials. */
export function gitWithHelper(
  cwd: string,
  helper: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<ExecResult> {
  const env = withGitConfig(gitEnv(extraEnv), [
    ['credential.helper', helper],
    ['credential.useHttpPath', 'true'],
  ]);
  return runGit(cwd, args, { env, check: false });
}

/** `git ls-remote` as a ref → sha map (HEAD and peeled `^{}` lines dropped). */
export async function lsRemote(
  cwd: string,
  url: string,
  helper?: string,
  extraEnv: Record<string, string> = {},
): Promise<Map<string, string>> {
  const out =
    helper === undefined
      ? await runGit(cwd, ['ls-remote', url])
      : await gitWithHelper(cwd, helper, ['ls-remote', url], extraEnv);
  if (out.code !== 0) throw new Error(`ls-remote ${url} failed: ${out.stderr}`);
  const refs = new Map<string, string>();
  for (const line of out.stdout.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha !== undefined && ref !== undefined && ref !== 'HEAD' && !ref.endsWith('^{}')) refs.set(ref, sha);
  }
  return refs;
}
