import { invalidParameter } from './api-error.ts';

/** Reads an enum query parameter the way GitHub validates it: absent means the default, anything else is 422. */
export function enumParam<T extends string>(
  query: URLSearchParams,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  const match = allowed.find((a) => a === value);
  if (match === undefined) throw invalidParameter(name, value, allowed);
  return match;
}

/** GitHub reads booleans as `true`/`false` and ignores anything else. */
export function booleanParam(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name);
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return undefined;
}
