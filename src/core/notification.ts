import { createHash, randomUUID } from 'node:crypto';

/**
 * The notification gh2cc publishes (to SNS, or to the log without a topic). The body is described by
 * schemas/notification.v1.schema.json; a change that is not purely additive to `details` gets a new
 * `schemaVersion` and a new schema file.
 */
export const NOTIFICATION_SCHEMA_VERSION = 1;

export const NOTIFICATION_EVENT_TYPES = [
  'drift-found',
  'drift-resolved',
  'sync-failing',
  'sync-recovered',
  'repo-created',
  'repo-renamed',
  'repo-archived',
  'repo-deleted',
  'branch-deleted',
  'default-branch-pushed',
  'secret-detected',
  'iam-drift',
] as const;

export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

export type NotificationSeverity = 'info' | 'warning' | 'critical';

/** One ref that differs between the two sides; `null` where the ref does not exist on that side. */
export interface DriftRef {
  readonly ref: string;
  readonly github: string | null;
  readonly codecommit: string | null;
}

export interface Notification {
  readonly schemaVersion: typeof NOTIFICATION_SCHEMA_VERSION;
  readonly id: string;
  /** ISO 8601, UTC. */
  readonly time: string;
  readonly eventType: NotificationEventType;
  readonly org: string;
  /** `owner/name` on GitHub, or null for an org-level event (e.g. IAM drift). */
  readonly repository: string | null;
  readonly severity: NotificationSeverity;
  /** One line for humans. */
  readonly summary: string;
  /**
   * Event-specific. Lists (e.g. drift's `refs`) are cut to fit SNS's size limit; `omitted` then counts the
   * items left out.
   */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface NotificationInput {
  readonly eventType: NotificationEventType;
  readonly org: string;
  readonly repository?: string | null;
  /** By default the event type's usual severity (see DEFAULT_SEVERITY). */
  readonly severity?: NotificationSeverity;
  readonly summary: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly id?: string;
  readonly time?: Date;
}

export const DEFAULT_SEVERITY: Readonly<Record<NotificationEventType, NotificationSeverity>> = {
  'drift-found': 'warning',
  'drift-resolved': 'info',
  'sync-failing': 'critical',
  'sync-recovered': 'info',
  'repo-created': 'info',
  'repo-renamed': 'info',
  'repo-archived': 'info',
  'repo-deleted': 'warning',
  'branch-deleted': 'info',
  'default-branch-pushed': 'info',
  'secret-detected': 'critical',
  'iam-drift': 'warning',
};

/**
 * SNS refuses a message whose body plus attributes exceed 262,144 bytes. The body stays below this, which
 * leaves room for the attributes and subject (each a few hundred bytes at most).
 */
export const MAX_BODY_BYTES = 240 * 1024;
/** Lists in `details` keep at most this many items even when more would fit: a message is not a report. */
export const MAX_LIST_ITEMS = 1000;
const MAX_SUMMARY_CHARS = 1000;
export const MAX_SUBJECT_CHARS = 100;

export function buildNotification(input: NotificationInput): Notification {
  return boundNotification({
    schemaVersion: NOTIFICATION_SCHEMA_VERSION,
    id: input.id ?? randomUUID(),
    time: (input.time ?? new Date()).toISOString(),
    eventType: input.eventType,
    org: input.org,
    repository: input.repository ?? null,
    severity: input.severity ?? DEFAULT_SEVERITY[input.eventType],
    summary: oneLine(input.summary, MAX_SUMMARY_CHARS),
    details: input.details ?? {},
  });
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Cuts the lists in `details` (top level) to their first items so the JSON body stays under MAX_BODY_BYTES,
 * adding the number of items left out to `details.omitted`. Already-bounded notifications come back as-is.
 */
export function boundNotification(n: Notification): Notification {
  const lists = Object.entries(n.details).filter((e): e is [string, unknown[]] => Array.isArray(e[1]));
  const longest = Math.max(0, ...lists.map(([, items]) => items.length));
  if (longest <= MAX_LIST_ITEMS && byteLength(n) <= MAX_BODY_BYTES) return n;
  const previouslyOmitted = typeof n.details['omitted'] === 'number' ? n.details['omitted'] : 0;
  const cut = (keep: number): Notification => {
    let omitted = previouslyOmitted;
    const details: Record<string, unknown> = { ...n.details };
    for (const [key, items] of lists) {
      if (items.length > keep) {
        details[key] = items.slice(0, keep);
        omitted += items.length - keep;
      }
    }
    if (omitted > 0) details['omitted'] = omitted;
    return { ...n, details };
  };
  // Halve until it fits: item sizes vary (ref names up to ~1 KB), so a fixed count cannot promise the size.
  for (let keep = Math.min(longest, MAX_LIST_ITEMS); keep >= 1; keep = Math.floor(keep / 2)) {
    const candidate = cut(keep);
    if (byteLength(candidate) <= MAX_BODY_BYTES) return candidate;
  }
  const none = cut(0);
  if (byteLength(none) <= MAX_BODY_BYTES) return none;
  // Something other than a list is too big (a caller's bug): keep the envelope, say what was dropped.
  return {
    ...n,
    details: { truncated: true, ...(none.details['omitted'] ? { omitted: none.details['omitted'] } : {}) },
  };
}

/** Control characters and line breaks become spaces; runs of spaces collapse; cut at `max` with "…". */
function oneLine(text: string, max: number): string {
  const flat = text
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * SNS subjects must be ASCII letters, numbers, spaces and punctuation, no line breaks, at most 100 characters,
 * starting with a letter, number or punctuation. Accents are dropped (é → e), anything else non-ASCII becomes
 * "?", and a subject cut short ends in "..." (the ellipsis character itself is not ASCII).
 */
export function snsSubject(n: Notification): string {
  const text = `[gh2cc] ${n.eventType} ${n.repository ?? n.org}: ${n.summary}`;
  const ascii = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, (c) => (/\s/.test(c) ? ' ' : '?'))
    .replace(/ +/g, ' ')
    .trim();
  return ascii.length <= MAX_SUBJECT_CHARS ? ascii : `${ascii.slice(0, MAX_SUBJECT_CHARS - 3).trimEnd()}...`;
}

export interface SnsStringAttribute {
  readonly DataType: 'String';
  readonly StringValue: string;
}

export interface SnsMessage {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageAttributes: Readonly<Record<string, SnsStringAttribute>>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

const MAX_FIFO_ID_CHARS = 128;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A FIFO group id: letters, digits and punctuation, at most 128 characters. `owner/name` fits unless both
 * parts are near GitHub's maximum length; then its start plus a hash of the whole keeps it unique.
 */
function fifoGroupId(key: string): string {
  const clean = key.replace(/[^\x21-\x7e]/g, '_');
  if (clean.length <= MAX_FIFO_ID_CHARS && clean === key) return key;
  const hash = sha256(key).slice(0, 16);
  return `${clean.slice(0, MAX_FIFO_ID_CHARS - hash.length - 1)}#${hash}`;
}

/**
 * The PublishInput fields (without TopicArn) for a notification. On a FIFO topic, messages of one repository
 * (or of the org, for org-level events) are ordered in one group, and the deduplication id is stable for the
 * same (event type, repository, dedupKey): pass a key describing the state (e.g. the drifted refs' tips) so a
 * retried publish or a second worker reporting the same state within SNS's 5-minute window is sent once.
 */
export function toSnsMessage(n: Notification, options: { fifo: boolean; dedupKey?: string }): SnsMessage {
  const bounded = boundNotification(n);
  const attributes: Record<string, SnsStringAttribute> = {
    eventType: { DataType: 'String', StringValue: bounded.eventType },
    severity: { DataType: 'String', StringValue: bounded.severity },
    org: { DataType: 'String', StringValue: bounded.org },
  };
  // SNS refuses empty attribute values; an org-level event simply has no repository attribute.
  if (bounded.repository !== null) {
    attributes['repository'] = { DataType: 'String', StringValue: bounded.repository };
  }
  const message: SnsMessage = {
    Subject: snsSubject(bounded),
    Message: JSON.stringify(bounded),
    MessageAttributes: attributes,
  };
  if (!options.fifo) return message;
  return {
    ...message,
    MessageGroupId: fifoGroupId(bounded.repository ?? bounded.org),
    MessageDeduplicationId: sha256(
      JSON.stringify([bounded.eventType, bounded.repository ?? bounded.org, options.dedupKey ?? bounded.id]),
    ),
  };
}
