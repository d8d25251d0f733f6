import { createHash } from 'node:crypto';

/** RFC 3986 percent-encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` is encoded. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Canonical URI for every service but S3: dot segments and empty segments removed (botocore and the JS SDK
 * both normalise before signing), then each segment of the path as it travelled on the wire encoded once
 * more, so an encoded `%20` becomes `%2520`.
 */
export function canonicalUri(rawPath: string): string {
  const out: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  if (out.length === 0) return '/';
  const trailing = rawPath.endsWith('/') ? '/' : '';
  return `/${out.map(encodeRfc3986).join('/')}${trailing}`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // A stray `%` is not valid percent-encoding; signers encode the literal text, so do the same.
    return value;
  }
}

/** Canonical query string: each name and value decoded, re-encoded strictly, sorted by name then value. */
export function canonicalQuery(rawQuery: string, exclude: ReadonlySet<string> = new Set()): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (exclude.has(name)) continue;
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    pairs.push([encodeRfc3986(name), encodeRfc3986(value)]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** Header values by lower-case name, from Node's flat `rawHeaders` so repeated headers keep every value. */
export function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const list = map.get(name) ?? [];
    list.push(rawHeaders[i + 1] ?? '');
    map.set(name, list);
  }
  return map;
}

function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}

export interface CanonicalRequestParts {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Lower-case names in the order the client listed them (already sorted by a correct signer). */
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
  readonly excludeQuery?: ReadonlySet<string>;
}

/**
 * The canonical request exactly as the client built it, or undefined when a signed header is absent
 * from the request (the client cannot have signed what it did not send).
 */
export function buildCanonicalRequest(parts: CanonicalRequestParts): string | undefined {
  const lines: string[] = [];
  for (const name of parts.signedHeaders) {
    const values = parts.headers.get(name);
    if (values === undefined) return undefined;
    lines.push(`${name}:${canonicalHeaderValue(values)}\n`);
  }
  return [
    parts.method.toUpperCase(),
    canonicalUri(parts.rawPath),
    canonicalQuery(parts.rawQuery, parts.excludeQuery),
    lines.join(''),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}
