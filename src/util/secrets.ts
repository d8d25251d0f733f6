/**
 * Every secret gh2cc learns (tokens, AWS secret keys, git passwords, webhook secrets) is registered here the
 * moment it is loaded; anything printed passes through `sanitize`, which replaces each registered value
 * and the forms it takes on the wire (base64 of `user:secret`, URL-encoded) with `**redacted**`.
 */
const REDACTED = '**redacted**';
const secrets = new Set<string>();
let pattern: RegExp | undefined;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function addSecret(value: string | undefined | null): void {
  // Very short values would redact ordinary words; real secrets are long.
  if (value === undefined || value === null || value.length < 6) return;
  const forms = [
    value,
    encodeURIComponent(value),
    Buffer.from(value).toString('base64'),
    Buffer.from(`x-access-token:${value}`).toString('base64'),
    Buffer.from(`${value}:x-oauth-basic`).toString('base64'),
  ];
  let changed = false;
  for (const form of forms) {
    if (!secrets.has(form)) {
      secrets.add(form);
      changed = true;
    }
  }
  if (changed) {
    const sorted = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    pattern = new RegExp(sorted.join('|'), 'g');
  }
}

const CREDENTIAL_COMMANDS = new Set(['auth', 'hello', 'migrate']);

function isCredentialCommand(value: object): boolean {
  const { name, args } = value as { name?: unknown; args?: unknown };
  return typeof name === 'string' && CREDENTIAL_COMMANDS.has(name.toLowerCase()) && Array.isArray(args);
}

export function sanitize(text: string): string {
  if (pattern === undefined) return text;
  pattern.lastIndex = 0;
  return text.replace(pattern, REDACTED);
}

/** Deep copy of a log object with every string sanitized; Error objects become plain objects. */
export function sanitizeValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return sanitize(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => sanitizeValue(v, depth + 1));
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: sanitize(value.message) };
    if (value.stack !== undefined) out['stack'] = sanitize(value.stack);
    for (const [k, v] of Object.entries(value)) out[k] = sanitizeValue(v, depth + 1);
    if (value.cause !== undefined) out['cause'] = sanitizeValue(value.cause, depth + 1);
    return out;
  }
  if (Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = sanitizeValue(v, depth + 1);
  // A Redis command that carries a password, as ioredis attaches it to an error (`AUTH pw` refused): its
  // arguments go whatever their length (a password shorter than a registered secret's minimum included).
  if (isCredentialCommand(value)) out['args'] = [REDACTED];
  return out;
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
  pattern = undefined;
}
