import type { Dispatcher } from 'undici';
import { proxyEnv } from './proxy-env.ts';

/**
 * `fetch` that goes through `HTTPS_PROXY`/`HTTP_PROXY` except for `NO_PROXY` hosts, which Node's own fetch
 * ignores. Without a proxy in the environment this is the global fetch, and undici is never loaded.
 */
export function proxyFetch(env: Readonly<Record<string, string | undefined>> = process.env): typeof fetch {
  const proxies = proxyEnv(env);
  if (proxies === undefined) return fetch;
  let loading: Promise<{ fetch: typeof fetch; dispatcher: Dispatcher }> | undefined;
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    // undici would send https:// through HTTP_PROXY when HTTPS_PROXY is unset; curl, git and the AWS SDK's
    // agent do not, and neither does this.
    const proxy = url.startsWith('https:') ? proxies.httpsProxy : proxies.httpProxy;
    if (proxy === undefined) return fetch(input, init);
    loading ??= import('undici').then((undici) => ({
      // undici's fetch with undici's dispatcher: Node's bundled undici may be another version.
      fetch: undici.fetch as unknown as typeof fetch,
      dispatcher: new undici.EnvHttpProxyAgent({
        httpProxy: proxies.httpProxy ?? '',
        httpsProxy: proxies.httpsProxy ?? '',
        noProxy: proxies.noProxy ?? '',
      }),
    }));
    const proxied = await loading;
    return proxied.fetch(input, { ...init, dispatcher: proxied.dispatcher } as unknown as RequestInit);
  };
}
