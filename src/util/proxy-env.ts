import { addSecret } from './secrets.ts';

/** The proxy settings of the environment, as curl and git read them: the lower-case name first. */
export interface ProxyEnv {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy?: string;
}

function read(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (either case), or undefined when no proxy is set. A password in a proxy
 * URL is registered with the log sanitizer here, before any error message can quote the URL.
 */
export function proxyEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProxyEnv | undefined {
  const httpProxy = read(env, 'http_proxy');
  const httpsProxy = read(env, 'https_proxy');
  if (httpProxy === undefined && httpsProxy === undefined) return undefined;
  for (const proxy of [httpProxy, httpsProxy]) {
    if (proxy === undefined || !URL.canParse(proxy)) continue;
    const { password } = new URL(proxy);
    if (password !== '') addSecret(decodeURIComponent(password));
  }
  const noProxy = read(env, 'no_proxy');
  return {
    ...(httpProxy === undefined ? {} : { httpProxy }),
    ...(httpsProxy === undefined ? {} : { httpsProxy }),
    ...(noProxy === undefined ? {} : { noProxy }),
  };
}
