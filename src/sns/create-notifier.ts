import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Logger } from 'pino';
import { awsRequestHandler } from '../codecommit/aws-request-handler.ts';
import type { Config } from '../config/schema.ts';
import { toSnsMessage, type Notification } from '../core/notification.ts';
import { Gh2ccError, errorMessage } from '../util/errors.ts';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../util/retry.ts';
import { classifySnsError } from './classify-sns-error.ts';

export interface NotifyOptions {
  /** Part of the FIFO deduplication id instead of the notification's own id (see toSnsMessage). */
  readonly dedupKey?: string;
}

export interface Notifier {
  /** Queues the notification and returns at once; never throws. Failures are retried, then logged. */
  notify(n: Notification, options?: NotifyOptions): void;
  /** Resolves when everything queued so far has been published or given up on. */
  flush(): Promise<void>;
  /** Publishes what is queued (for at most `closeTimeoutMs`), then stops; idempotent. */
  close(): Promise<void>;
}

export interface NotifierOptions {
  /** Notifications waiting beyond this are dropped, oldest first, with a warning. */
  readonly maxQueue?: number;
  readonly retry?: RetryPolicy;
  /** Attempts of the SDK itself per publish, inside each of our retries. */
  readonly maxAttempts?: number;
  /** How long close() keeps publishing what is queued before giving up on the rest. */
  readonly closeTimeoutMs?: number;
}

interface Pending {
  readonly n: Notification;
  readonly options: NotifyOptions;
}

/** The region of an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME). */
function topicRegion(arn: string): string {
  const region = arn.split(':')[3];
  if (region === undefined || region === '') throw new Error(`not an SNS topic ARN: ${arn}`);
  return region;
}

function describe(n: Notification): Record<string, unknown> {
  return { notificationId: n.id, eventType: n.eventType, repository: n.repository, severity: n.severity };
}

/**
 * Publishes notifications to `notify.snsTopicArn` in the background, one at a time in order (which a FIFO
 * topic needs within a group anyway), so a slow or failing SNS never holds up a sync. Without a topic, each
 * notification becomes one info line in the log (the summary, not the details).
 */
export function createNotifier(
  config: Config,
  credentials: AwsCredentialIdentityProvider,
  log: Logger,
  options: NotifierOptions = {},
): Notifier {
  const topicArn = config.notify.snsTopicArn;
  if (topicArn === undefined) return logNotifier(log);

  const fifo = topicArn.endsWith('.fifo');
  const maxQueue = options.maxQueue ?? 1000;
  const policy = options.retry ?? DEFAULT_RETRY;
  const client = new SNSClient({
    region: topicRegion(topicArn),
    ...(config.aws.endpoints.sns === undefined ? {} : { endpoint: config.aws.endpoints.sns }),
    credentials,
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: awsRequestHandler(config.aws),
  });
  const queue: Pending[] = [];
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let dropped = 0;

  const publish = async ({ n, options: notifyOptions }: Pending): Promise<void> => {
    const message = toSnsMessage(n, {
      fifo,
      ...(notifyOptions.dedupKey === undefined ? {} : { dedupKey: notifyOptions.dedupKey }),
    });
    try {
      const out = await withRetry(
        'sns publish',
        async () => {
          try {
            return await client.send(new PublishCommand({ TopicArn: topicArn, ...message }), {
              abortSignal: stop.signal,
            });
          } catch (err) {
            throw stop.signal.aborted
              ? new Gh2ccError('interrupted', 'notifier closed before the notification was published', {
                  retryable: false,
                })
              : classifySnsError(err, topicArn);
          }
        },
        { policy, log: log.child(describe(n)), signal: stop.signal },
      );
      log.debug({ ...describe(n), messageId: out.MessageId }, 'notification published');
    } catch (err) {
      const fields = {
        ...describe(n),
        summary: n.summary,
        // An abort from close() surfaces as p-retry's AbortError, not as ours.
        code: stop.signal.aborted ? 'interrupted' : err instanceof Gh2ccError ? err.code : 'internal',
        reason: errorMessage(err),
        ...(err instanceof Gh2ccError && err.fix !== undefined ? { fix: err.fix } : {}),
      };
      log.warn(fields, 'notification could not be published');
    }
  };

  const drain = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (stop.signal.aborted) {
        queue.unshift(next);
        break;
      }
      await publish(next);
    }
  };

  const start = (): void => {
    running ??= drain().finally(() => {
      running = undefined;
      // Something queued between the last shift and now would otherwise wait for the next notify().
      if (queue.length > 0 && !stop.signal.aborted) start();
    });
  };

  const flush = async (): Promise<void> => {
    while (running !== undefined) await running;
  };

  return {
    notify(n, notifyOptions = {}) {
      try {
        if (closing !== undefined) {
          log.warn({ ...describe(n), summary: n.summary }, 'notification after close; not published');
          return;
        }
        queue.push({ n, options: notifyOptions });
        if (queue.length > maxQueue) {
          const oldest = queue.shift();
          dropped += 1;
          if (oldest !== undefined) {
            log.warn(
              { ...describe(oldest.n), summary: oldest.n.summary, dropped, maxQueue },
              'notification queue full; dropped the oldest',
            );
          }
        }
        start();
      } catch (err) {
        // A logger that throws, or a bug above: a notification is never worth failing a sync for.
        try {
          log.error({ reason: errorMessage(err) }, 'notification could not be queued');
        } catch {
          // nothing left to tell
        }
      }
    },
    flush,
    close() {
      closing ??= (async () => {
        const timeoutMs = options.closeTimeoutMs ?? 10_000;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        });
        await Promise.race([flush(), timedOut]);
        clearTimeout(timer);
        if (running !== undefined || queue.length > 0) {
          stop.abort();
          const lost = queue.length;
          queue.length = 0;
          await flush();
          log.warn({ lost, timeoutMs }, 'notifier closed with notifications unpublished');
        }
        client.destroy();
      })();
      return closing;
    },
  };
}

/** Without a topic, notifications are log lines: eventType, repository and summary, never the details. */
function logNotifier(log: Logger): Notifier {
  return {
    notify(n) {
      try {
        log.info({ ...describe(n), org: n.org, summary: n.summary }, 'notification');
      } catch {
        // logging must not fail the caller either
      }
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
