/** The sandbox's public roots, GitHub Enterprise Server style: pages at the base URL, REST under `/api/v3`. */
export interface SandboxUrls {
  /** e.g. `http://127.0.0.1:4010/api/v3` */
  readonly api: string;
  /** e.g. `http://127.0.0.1:4010` (web pages and git over HTTP) */
  readonly html: string;
  /** Host name without port, for `git://` and SSH URLs. */
  readonly hostname: string;
}

export function sandboxUrls(baseUrl: string): SandboxUrls {
  const html = baseUrl.replace(/\/+$/, '');
  return { api: `${html}/api/v3`, html, hostname: new URL(html).hostname };
}

/** Encodes each path segment of a ref name but keeps its slashes, as GitHub prints `branches/feature/x`. */
export function refPath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
