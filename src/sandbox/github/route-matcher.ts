/**
 * Matches REST paths against patterns like `/repos/:owner/:repo/branches/*branch/protection`. `:name` takes
 * one segment; `*name` takes one or more (branch names contain slashes, which clients may or may not
 * encode as %2F: segments are split on literal slashes first and decoded afterwards, so both work).
 */

export interface CompiledPattern {
  readonly segments: readonly string[];
}

export function compilePattern(pattern: string): CompiledPattern {
  return { segments: pattern.split('/').filter((s) => s !== '') };
}

/** Decodes each segment; null when one is malformed (a bad %-escape) or decodes to a control character. */
export function splitPath(pathname: string): string[] | null {
  const raw = pathname.split('/').filter((s) => s !== '');
  try {
    const decoded = raw.map((s) => decodeURIComponent(s));
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    return decoded.some((s) => /[\u0000-\u001f\u007f]/.test(s)) ? null : decoded;
  } catch {
    return null;
  }
}

function bindSegment(pattern: string, value: string, params: Record<string, string>): boolean {
  if (pattern.startsWith(':')) {
    params[pattern.slice(1)] = value;
    return true;
  }
  return pattern === value;
}

/** Returns the bound parameters, or null when the path does not match. */
export function matchPattern(
  compiled: CompiledPattern,
  path: readonly string[],
): Record<string, string> | null {
  const { segments } = compiled;
  const params: Record<string, string> = {};
  const star = segments.findIndex((s) => s.startsWith('*'));
  if (star === -1) {
    if (segments.length !== path.length) return null;
    return segments.every((s, i) => bindSegment(s, path[i] ?? '', params)) ? params : null;
  }
  const suffix = segments.slice(star + 1);
  const restLength = path.length - star - suffix.length;
  if (restLength < 1) return null;
  for (let i = 0; i < star; i += 1) {
    if (!bindSegment(segments[i] ?? '', path[i] ?? '', params)) return null;
  }
  for (let i = 0; i < suffix.length; i += 1) {
    if (!bindSegment(suffix[i] ?? '', path[star + restLength + i] ?? '', params)) return null;
  }
  params[(segments[star] ?? '*').slice(1)] = path.slice(star, star + restLength).join('/');
  return params;
}
