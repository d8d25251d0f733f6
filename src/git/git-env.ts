import { proxyEnv } from '../util/proxy-env.ts';

/** When git gives up on a stalled HTTP(S) transfer: below `limit` bytes per second for `timeMs`. */
export interface GitNetworkLimits {
  readonly lowSpeedLimit: number;
  readonly lowSpeedTimeMs: number;
}

/** `mirror.gitLowSpeedLimit` / `mirror.gitLowSpeedTime` defaults; also the floor for any git gh2cc runs. */
export const DEFAULT_GIT_NETWORK_LIMITS: GitNetworkLimits = { lowSpeedLimit: 1000, lowSpeedTimeMs: 120_000 };

/**
 * git's own stall detection (curl's low-speed limit, `http.lowSpeedLimit`/`http.lowSpeedTime`) as environment
 * variables git reads: a server that accepts the connection and then says nothing, or trickles bytes, ends the
 * command instead of holding it forever. It also bounds how long a git outlives a SIGKILLed gh2cc.
 */
export function gitNetworkEnv(limits: GitNetworkLimits): Record<string, string> {
  return {
    GIT_HTTP_LOW_SPEED_LIMIT: String(limits.lowSpeedLimit),
    GIT_HTTP_LOW_SPEED_TIME: String(Math.max(1, Math.ceil(limits.lowSpeedTimeMs / 1000))),
  };
}

/**
 * The environment every git child process gets: no system or global config, no prompts, C locale, and
 * nothing else inherited from the parent except what git needs to find programs and temp space.
 */
export function gitEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const proxy = proxyEnv();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    TMPDIR: process.env['TMPDIR'],
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    // ssh mode: agent keys work, an unknown host key fails instead of waiting for a prompt, and a silent
    // server ends the connection after a minute (the ssh counterpart of the HTTP low-speed limit).
    SSH_AUTH_SOCK: process.env['SSH_AUTH_SOCK'],
    GIT_SSH_COMMAND:
      process.env['GIT_SSH_COMMAND'] ??
      'ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4',
    // Corporate networks: the proxy gh2cc's AWS and GitHub API clients use too, read the same way
    // (util/proxy-env.ts). In lower case: curl, git's HTTP layer, ignores an upper-case HTTP_PROXY.
    ...(proxy?.httpProxy === undefined ? {} : { http_proxy: proxy.httpProxy }),
    ...(proxy?.httpsProxy === undefined ? {} : { https_proxy: proxy.httpsProxy }),
    ...(proxy?.noProxy === undefined ? {} : { no_proxy: proxy.noProxy }),
    // git has its own CA setting; aws.caBundle (AWS_CA_BUNDLE) covers the AWS APIs only.
    GIT_SSL_CAINFO: process.env['GIT_SSL_CAINFO'],
    ...gitNetworkEnv(DEFAULT_GIT_NETWORK_LIMITS),
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  for (const [k, v] of Object.entries(extra)) {
    if (v !== undefined) env[k] = v;
  }
  return env;
}

/** Adds `git -c` style settings through the environment (GIT_CONFIG_COUNT), so they never touch disk. */
export function withGitConfig(
  env: NodeJS.ProcessEnv,
  settings: readonly (readonly [string, string])[],
): NodeJS.ProcessEnv {
  const out = { ...env };
  let n = Number(out['GIT_CONFIG_COUNT'] ?? '0');
  for (const [key, value] of settings) {
    out[`GIT_CONFIG_KEY_${n}`] = key;
    out[`GIT_CONFIG_VALUE_${n}`] = value;
    n += 1;
  }
  out['GIT_CONFIG_COUNT'] = String(n);
  return out;
}
