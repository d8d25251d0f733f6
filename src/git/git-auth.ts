import { gitEnv, withGitConfig } from './git-env.ts';

export interface GitAuth {
  readonly username: string;
  readonly password: string;
}

/**
 * The environment for a git command that must authenticate. Credentials travel only in this child's
 * environment and are answered by an inline credential helper that names the variables, never the values:
 * nothing reaches argv, the URL, or any git config file on disk.
 */
export function gitAuthEnv(auth: GitAuth | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = gitEnv(extra);
  if (auth === undefined) return base;
  const env = withGitConfig(base, [
    ['credential.helper', ''],
    [
      'credential.helper',
      '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" "$GH2CC_GIT_USERNAME" "$GH2CC_GIT_PASSWORD"; }; f',
    ],
  ]);
  env['GH2CC_GIT_USERNAME'] = auth.username;
  env['GH2CC_GIT_PASSWORD'] = auth.password;
  return env;
}
