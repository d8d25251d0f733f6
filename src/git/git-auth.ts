import { gitEnv, withGitConfig } from './git-env.ts';

export interface GitAuth {
  readonly username: string;
  readonly password: string;
}

/**
 * The environment for a git command that must authenticate. Credentials travel only in this child's
 * environment and are answered by an inline credential helper that names the variables, never the values:
 * nothing reaches argv, the URL, or any git config file on disk.
 *
 * With `url` (an http(s) remote), the credentials also go with git's first request to that URL as an
 * `Authorization` header (`http.<url>.extraHeader`, set through the environment like the helper): without it
 * git asks once without credentials, takes the 401, runs the helper and asks again, which costs every fetch,
 * push and listing a round trip and two shell processes. A 401 all the same (a wrong password) still goes
 * through the helper, so git fails as it would have.
 */
export function gitAuthEnv(
  auth: GitAuth | undefined,
  extra: Record<string, string> = {},
  url?: string,
): NodeJS.ProcessEnv {
  const base = gitEnv(extra);
  if (auth === undefined) return base;
  const env = withGitConfig(base, [
    ['credential.helper', ''],
    [
      'credential.helper',
      '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" "$GH2CC_GIT_USERNAME" "$GH2CC_GIT_PASSWORD"; }; f',
    ],
    ...(url !== undefined && /^https?:\/\//i.test(url)
      ? [[`http.${url}.extraHeader`, `Authorization: Basic ${basic(auth)}`] as const]
      : []),
  ]);
  env['GH2CC_GIT_USERNAME'] = auth.username;
  env['GH2CC_GIT_PASSWORD'] = auth.password;
  return env;
}

function basic(auth: GitAuth): string {
  return Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
}
