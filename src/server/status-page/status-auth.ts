import { createHash, timingSafeEqual } from 'node:crypto';

export interface StatusCredentials {
  /** Accepted as `Authorization: Bearer <token>`, or as the basic-auth password (any user name). */
  readonly token?: string;
  readonly user?: string;
  readonly password?: string;
}

/** Compared as SHA-256 digests: equal length whatever was sent, and no early exit on the first difference. */
function same(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * A check of the `Authorization` header against the configured credentials, or undefined when none are
 * configured (the page is open). A token in the query string is never accepted: URLs end up in access logs,
 * proxies and browser history.
 */
export function statusAuthorizer(
  credentials: StatusCredentials,
): ((authorization: string | undefined) => boolean) | undefined {
  const { token, user, password } = credentials;
  const basic = user !== undefined && password !== undefined;
  if (token === undefined && !basic) return undefined;
  return (authorization) => {
    if (authorization === undefined) return false;
    const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(authorization);
    if (m === null) return false;
    const scheme = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    if (scheme === 'bearer') return token !== undefined && same(value, token);
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const givenUser = decoded.slice(0, colon);
    const givenPassword = decoded.slice(colon + 1);
    // Every configured comparison runs, so the time taken does not tell which part was right.
    const userOk = basic && same(givenUser, user);
    const passwordOk = basic && same(givenPassword, password);
    const tokenOk = token !== undefined && same(givenPassword, token);
    return (userOk && passwordOk) || tokenOk;
  };
}
