import { createHash } from 'node:crypto';

/**
 * Numeric ids GitHub would have assigned. The sandbox has no database, so an id is derived from what names
 * the object (case-folded, as GitHub names are case-insensitive): the same on every request and every run.
 * 31 bits keep them inside a signed 32-bit integer for clients that store them that way.
 */
export function stableId(kind: 'user' | 'repo' | 'team', ...names: readonly string[]): number {
  const digest = createHash('sha256')
    .update([kind, ...names.map((n) => n.toLowerCase())].join('\0'))
    .digest();
  return digest.readUInt32BE(0) & 0x7fffffff || 1;
}

/** GitHub's legacy global node id: base64 of `<length of type>:<Type><id>`, e.g. `MDEwOlJlcG9zaXRvcnkx`. */
export function legacyNodeId(type: string, id: number | string): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64');
}
