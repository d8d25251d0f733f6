import { apiError } from './errors.ts';

/**
 * Continuation tokens are opaque to clients. They carry the last key returned rather than an offset, so
 * a page boundary stays correct when repositories or branches are added or removed between calls.
 */
export function encodeToken(payload: Readonly<Record<string, unknown>>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...payload }), 'utf8').toString('base64url');
}

/** The token's payload, or InvalidContinuationTokenException for anything this service did not issue. */
export function decodeToken(token: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && (value as { v?: unknown }).v === 1) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through: not one of ours
  }
  throw apiError('InvalidContinuationTokenException');
}

/** Byte-wise (UTF-8) order, the order git itself lists refs in. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
