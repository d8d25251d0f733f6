import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import {
  buildNotification,
  toSnsMessage,
  type DriftRef,
  type NotificationInput,
} from '../../src/core/notification.ts';
import { createNotifier, type NotifierOptions } from '../../src/sns/create-notifier.ts';
import { createLogger } from '../../src/util/logger.ts';
import { freePort } from '../harness/services.ts';

const motoUrl = inject('motoUrl');
const region = 'us-east-1';
const credentials = {
  accessKeyId: 'AKIAMOTONOTIFY000001',
  secretAccessKey: 'moto-notify-secret-0000000000000000',
};
const sns = new SNSClient({ endpoint: motoUrl, region, credentials });
const sqs = new SQSClient({ endpoint: motoUrl, region, credentials });
const staticCredentials = () => Promise.resolve(credentials);

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/notification.v1.schema.json', import.meta.url), 'utf8'),
) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validateBody = ajv.compile(schema);

/** The SNS envelope SQS receives when RawMessageDelivery is off (the default). */
interface Envelope {
  Type: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function capturedLogger(): { log: ReturnType<typeof createLogger>; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return { log, lines };
}

async function topic(fifo = false): Promise<string> {
  const name = `gh2cc-${randomUUID().slice(0, 8)}${fifo ? '.fifo' : ''}`;
  const out = await sns.send(
    new CreateTopicCommand({
      Name: name,
      ...(fifo ? { Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'false' } } : {}),
    }),
  );
  return out.TopicArn ?? '';
}

/** An SQS queue subscribed to the topic (optionally with a filter policy on message attributes). */
async function subscribedQueue(
  topicArn: string,
  options: { fifo?: boolean; filterPolicy?: object } = {},
): Promise<string> {
  const name = `gh2cc-${randomUUID().slice(0, 8)}${options.fifo ? '.fifo' : ''}`;
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      ...(options.fifo ? { Attributes: { FifoQueue: 'true' } } : {}),
    }),
  );
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: attrs.Attributes?.['QueueArn'],
      ...(options.filterPolicy === undefined
        ? {}
        : { Attributes: { FilterPolicy: JSON.stringify(options.filterPolicy) } }),
    }),
  );
  return QueueUrl ?? '';
}

/** Every message on the queue now (moto delivers to SQS inside Publish, so after flush() all are there). */
async function drainQueue(queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return all;
    for (const m of Messages) {
      all.push(m);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

function envelope(m: Message): Envelope {
  return JSON.parse(m.Body ?? '') as Envelope;
}

function config(env: Record<string, string>): ReturnType<typeof loadConfig> {
  return loadConfig({ env: { AWS_REGION: region, AWS_ENDPOINT_URL_SNS: motoUrl, ...env } });
}

function notifierFor(topicArn: string | undefined, options: NotifierOptions = {}, endpoint = motoUrl) {
  const { log, lines } = capturedLogger();
  const cfg = config({
    AWS_ENDPOINT_URL_SNS: endpoint,
    ...(topicArn === undefined ? {} : { GH2CC_SNS_TOPIC_ARN: topicArn }),
  });
  return { notifier: createNotifier(cfg, staticCredentials, log, options), lines };
}

const sha = (c: string): string => c.repeat(40);

function drift(repository: string, refs: DriftRef[], extra: Partial<NotificationInput> = {}) {
  return buildNotification({
    eventType: 'drift-found',
    org: repository.split('/')[0] ?? 'acme',
    repository,
    summary: `${refs.length} refs differ on CodeCommit`,
    details: { refs },
    ...extra,
  });
}

describe('SNS notifications (moto, read back through SQS)', () => {
  it('publishes schema-valid bodies with eventType, repository and severity attributes', async () => {
    const topicArn = await topic();
    const queueUrl = await subscribedQueue(topicArn);
    const { notifier } = notifierFor(topicArn);
    const sent = [
      drift('acme/api', [{ ref: 'refs/heads/main', github: sha('a'), codecommit: sha('b') }]),
      buildNotification({
        eventType: 'repo-created',
        org: 'acme',
        repository: 'acme/new',
        summary: 'created',
      }),
      buildNotification({ eventType: 'iam-drift', org: 'acme', summary: '2 IAM users differ', details: {} }),
    ];
    for (const n of sent) notifier.notify(n);
    await notifier.close();

    const received = (await drainQueue(queueUrl)).map(envelope);
    expect(received).toHaveLength(3);
    const byId = new Map(received.map((e) => [(JSON.parse(e.Message) as { id: string }).id, e]));
    for (const n of sent) {
      const e = byId.get(n.id);
      expect(e, n.eventType).toBeDefined();
      const body: unknown = JSON.parse(e?.Message ?? '');
      expect(validateBody(body), JSON.stringify(validateBody.errors)).toBe(true);
      expect(body).toEqual(n);
      expect(e?.Subject).toBe(toSnsMessage(n, { fifo: false }).Subject);
      expect(e?.MessageAttributes?.['eventType']).toEqual({ Type: 'String', Value: n.eventType });
      expect(e?.MessageAttributes?.['severity']).toEqual({ Type: 'String', Value: n.severity });
      expect(e?.MessageAttributes?.['repository']).toEqual(
        n.repository === null ? undefined : { Type: 'String', Value: n.repository },
      );
    }
    expect(byId.get(sent[0]?.id ?? '')?.MessageAttributes?.['severity']?.Value).toBe('warning');
  });

  it('a filter policy on eventType receives only its events', async () => {
    const topicArn = await topic();
    const everything = await subscribedQueue(topicArn);
    const driftOnly = await subscribedQueue(topicArn, { filterPolicy: { eventType: ['drift-found'] } });
    const { notifier } = notifierFor(topicArn);
    notifier.notify(
      buildNotification({ eventType: 'repo-created', org: 'acme', repository: 'acme/a', summary: 'x' }),
    );
    notifier.notify(drift('acme/a', [{ ref: 'refs/heads/x', github: null, codecommit: sha('c') }]));
    notifier.notify(
      buildNotification({ eventType: 'drift-resolved', org: 'acme', repository: 'acme/a', summary: 'ok' }),
    );
    notifier.notify(drift('acme/b', [{ ref: 'refs/heads/y', github: sha('d'), codecommit: null }]));
    await notifier.flush();

    const filtered = (await drainQueue(driftOnly)).map(
      (m) => envelope(m).MessageAttributes?.['eventType']?.Value,
    );
    expect(filtered).toEqual(['drift-found', 'drift-found']);
    expect(await drainQueue(everything)).toHaveLength(4);
    await notifier.close();
  });

  it('a FIFO topic gets the repository as group id and a stable deduplication id', async () => {
    const topicArn = await topic(true);
    const queueUrl = await subscribedQueue(topicArn, { fifo: true });
    const { notifier, lines } = notifierFor(topicArn);
    const first = drift('acme/api', [{ ref: 'refs/heads/main', github: sha('a'), codecommit: sha('b') }]);
    // The same drift reported again (another worker, a retried job): same dedup key, so SNS keeps one.
    const again = drift('acme/api', [{ ref: 'refs/heads/main', github: sha('a'), codecommit: sha('b') }]);
    const org = buildNotification({ eventType: 'iam-drift', org: 'acme', summary: 'IAM differs' });
    notifier.notify(first, { dedupKey: 'main@bbbb' });
    notifier.notify(again, { dedupKey: 'main@bbbb' });
    notifier.notify(org);
    await notifier.close();
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);

    const received = await drainQueue(queueUrl);
    const ids = received.map((m) => (JSON.parse(envelope(m).Message) as { id: string }).id);
    expect([...ids].sort()).toEqual([first.id, org.id].sort());
    const groupOf = new Map(received.map((m, i) => [ids[i], m.Attributes?.['MessageGroupId']]));
    expect(groupOf.get(first.id)).toBe('acme/api');
    expect(groupOf.get(org.id)).toBe('acme');
    const dedup = toSnsMessage(first, { fifo: true, dedupKey: 'main@bbbb' }).MessageDeduplicationId;
    expect(dedup).toBe(toSnsMessage(again, { fifo: true, dedupKey: 'main@bbbb' }).MessageDeduplicationId);
    expect(dedup).not.toBe(toSnsMessage(again, { fifo: true, dedupKey: 'main@cccc' }).MessageDeduplicationId);
    expect(toSnsMessage(first, { fifo: true }).MessageDeduplicationId).not.toBe(
      toSnsMessage(again, { fifo: true }).MessageDeduplicationId,
    );
    expect(toSnsMessage(first, { fifo: false }).MessageGroupId).toBeUndefined();
  });

  it('keeps the subject to 100 printable ASCII characters for a very long repository name', async () => {
    const topicArn = await topic();
    const queueUrl = await subscribedQueue(topicArn);
    const { notifier, lines } = notifierFor(topicArn);
    const repository = `acme-${'o'.repeat(34)}/${'r'.repeat(100)}`;
    const n = buildNotification({
      eventType: 'branch-deleted',
      org: 'acme',
      repository,
      summary: 'branch “feature/été”\ndeleted on GitHub ✓',
    });
    notifier.notify(n);
    await notifier.close();
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);

    const [e] = (await drainQueue(queueUrl)).map(envelope);
    expect(e?.Subject).toBeDefined();
    const subject = e?.Subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toMatch(/^\[gh2cc\] branch-deleted acme-o+\/r+\.\.\.$/);
    const body = JSON.parse(e?.Message ?? '') as { summary: string; repository: string };
    expect(validateBody(body), JSON.stringify(validateBody.errors)).toBe(true);
    expect(body.repository).toBe(repository);
    expect(body.summary).toBe('branch “feature/été” deleted on GitHub ✓');
    const short = toSnsMessage({ ...n, repository: 'acme/x' }, { fifo: false }).Subject;
    expect(short).toBe('[gh2cc] branch-deleted acme/x: branch ?feature/ete? deleted on GitHub ?');
  });

  it('summarises a drift of 50,000 refs into a body under 256 KB with the count omitted', async () => {
    const topicArn = await topic();
    const queueUrl = await subscribedQueue(topicArn);
    const { notifier, lines } = notifierFor(topicArn);
    const refs = Array.from({ length: 50_000 }, (_, i) => ({
      ref: `refs/heads/feature/some-rather-long-branch-name-${i}`,
      github: sha('a'),
      codecommit: i % 2 === 0 ? null : sha('b'),
    }));
    notifier.notify(drift('acme/monorepo', refs));
    await notifier.close();
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);

    const [e] = (await drainQueue(queueUrl)).map(envelope);
    const message = e?.Message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThan(256 * 1024);
    const body = JSON.parse(message) as { details: { refs: DriftRef[]; omitted: number } };
    expect(validateBody(body), JSON.stringify(validateBody.errors)).toBe(true);
    expect(body.details.refs.length).toBeGreaterThan(0);
    expect(body.details.refs[0]).toEqual(refs[0]);
    expect(body.details.refs.length + body.details.omitted).toBe(50_000);
  });

  it('keeps lists of large items under the limit too, and leaves small messages alone', () => {
    const refs = Array.from({ length: 900 }, (_, i) => ({
      ref: `refs/heads/${'x'.repeat(900)}-${i}`,
      github: sha('a'),
      codecommit: null,
    }));
    const big = toSnsMessage(drift('acme/wide', refs), { fifo: false });
    expect(Buffer.byteLength(big.Message)).toBeLessThan(256 * 1024);
    const body = JSON.parse(big.Message) as { details: { refs: DriftRef[]; omitted: number } };
    expect(body.details.refs.length + body.details.omitted).toBe(900);
    expect(body.details.omitted).toBeGreaterThan(0);
    const small = drift('acme/x', refs.slice(0, 3));
    expect(JSON.parse(toSnsMessage(small, { fifo: false }).Message)).toEqual(small);
  });

  it('with no topic configured, logs the notification (not its details) and publishes nothing', async () => {
    const topicArn = await topic();
    const queueUrl = await subscribedQueue(topicArn);
    const { notifier, lines } = notifierFor(undefined);
    const n = buildNotification({
      eventType: 'secret-detected',
      org: 'acme',
      repository: 'acme/api',
      summary: 'an AWS access key in config/prod.env at 1a2b3c4',
      details: {
        commit: sha('1'),
        path: 'config/prod.env',
        rule: 'aws-access-key',
        excerpt: 'do-not-log-me',
      },
    });
    notifier.notify(n);
    await notifier.close();

    const line = lines.find((l) => l.msg === 'notification');
    expect(line).toMatchObject({
      level: 30,
      eventType: 'secret-detected',
      repository: 'acme/api',
      severity: 'critical',
      summary: n.summary,
    });
    expect(JSON.stringify(lines)).not.toContain('do-not-log-me');
    expect(await drainQueue(queueUrl)).toEqual([]);
  });

  it('retries a publish that cannot reach SNS without blocking or throwing, then logs a warning', async () => {
    const deadPort = await freePort();
    const { notifier, lines } = notifierFor(
      'arn:aws:sns:us-east-1:123456789012:gh2cc-unreachable',
      { retry: { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 20 }, maxAttempts: 1 },
      `http://127.0.0.1:${deadPort}`,
    );
    const n = buildNotification({
      eventType: 'sync-failing',
      org: 'acme',
      repository: 'acme/api',
      summary: 'x',
    });
    const started = Date.now();
    expect(() => notifier.notify(n)).not.toThrow();
    expect(Date.now() - started).toBeLessThan(50);
    await notifier.flush();

    const retries = lines.filter((l) => l.msg === 'transient failure; retrying');
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({ level: 40, notificationId: n.id, code: 'network' });
    const failed = lines.filter((l) => l.msg === 'notification could not be published');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      level: 40,
      eventType: 'sync-failing',
      repository: 'acme/api',
      code: 'network',
    });
    await notifier.close();
  });

  it('does not retry a topic that does not exist, and says what to check', async () => {
    const { notifier, lines } = notifierFor('arn:aws:sns:us-east-1:123456789012:gh2cc-no-such-topic', {
      retry: { retries: 3, minTimeoutMs: 10, maxTimeoutMs: 20 },
    });
    notifier.notify(
      buildNotification({ eventType: 'repo-deleted', org: 'acme', repository: 'acme/a', summary: 'x' }),
    );
    await notifier.close();
    expect(lines.filter((l) => l.msg === 'transient failure; retrying')).toEqual([]);
    const [failed] = lines.filter((l) => l.msg === 'notification could not be published');
    expect(failed).toMatchObject({ level: 40, code: 'not-found', eventType: 'repo-deleted' });
    expect(String(failed?.['fix'])).toContain('GH2CC_SNS_TOPIC_ARN');
  });

  it('drops the oldest queued notifications beyond the bound, and close() gives up after its timeout', async () => {
    const deadPort = await freePort();
    const { notifier, lines } = notifierFor(
      'arn:aws:sns:us-east-1:123456789012:gh2cc-unreachable',
      {
        maxQueue: 2,
        retry: { retries: 50, minTimeoutMs: 1000, maxTimeoutMs: 1000 },
        maxAttempts: 1,
        closeTimeoutMs: 200,
      },
      `http://127.0.0.1:${deadPort}`,
    );
    const sent = Array.from({ length: 5 }, (_, i) =>
      buildNotification({
        eventType: 'repo-created',
        org: 'acme',
        repository: `acme/r${i}`,
        summary: `r${i}`,
      }),
    );
    for (const n of sent) notifier.notify(n);
    // The first is in flight; of the four queued behind it, the two oldest are dropped.
    const drops = lines.filter((l) => l.msg === 'notification queue full; dropped the oldest');
    expect(drops.map((l) => l['repository'])).toEqual(['acme/r1', 'acme/r2']);
    const started = Date.now();
    await notifier.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines.find((l) => l.msg === 'notifier closed with notifications unpublished')).toMatchObject({
      lost: 2,
    });
    expect(lines.find((l) => l.msg === 'notification could not be published')).toMatchObject({
      repository: 'acme/r0',
      code: 'interrupted',
    });
    await notifier.close();
    notifier.notify(sent[0] ?? buildNotification({ eventType: 'repo-created', org: 'a', summary: 'x' }));
    expect(lines.at(-1)?.msg).toBe('notification after close; not published');
  });
});
