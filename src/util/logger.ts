import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { sanitize, sanitizeValue } from './secrets.ts';

export type { Logger } from 'pino';

/** Paths whose values are never printed, whatever they hold. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'webhookSecret',
  '*.webhookSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers.authorization',
  'headers["x-hub-signature-256"]',
];

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Where lines go; stderr by default so stdout stays free for command output. */
  destination?: DestinationStream;
  name?: string;
  /**
   * Write each line before returning (default). Long-running servers pass false: lines are buffered and
   * written in the background (and flushed on exit), so a burst of webhook deliveries is not one blocking
   * write per line.
   */
  sync?: boolean;
}

/** The root logger: JSON lines, redacted paths, and every string passed through the secrets sanitizer. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'gh2cc',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '**redacted**' },
      hooks: {
        // Messages are sanitized here; objects after pino's serializers have run (formatters.log below).
        logMethod(args, method) {
          const clean = args.map((a) => (typeof a === 'string' ? sanitize(a) : a)) as Parameters<
            typeof method
          >;
          method.apply(this, clean);
        },
      },
      formatters: {
        log(object) {
          return sanitizeValue(object) as Record<string, unknown>;
        },
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: options.sync ?? true }),
  );
}

export { sanitize };
