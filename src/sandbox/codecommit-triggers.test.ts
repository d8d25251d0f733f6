import { describe, expect, it } from 'vitest';
import type { RepositoryRecord, TriggerRecord } from './codecommit/store.ts';
import { triggerDeliveries } from './codecommit-triggers.ts';

const ZERO = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:t';

function repo(triggers: TriggerRecord[]): RepositoryRecord {
  return {
    repositoryName: 'svc',
    repositoryId: 'id',
    creationDate: 0,
    lastModifiedDate: 0,
    tags: {},
    triggers,
    triggersConfigurationId: 'config-1',
    kmsKeyId: 'alias/aws/codecommit',
  };
}

const ctx = {
  region: 'us-east-1',
  accountId: '123456789012',
  userIdentityArn: 'arn:aws:iam::123456789012:user/sandbox',
  now: new Date('2026-01-02T03:04:05.678Z'),
};

const push = [
  { ref: 'refs/heads/main', before: A, after: B },
  { ref: 'refs/heads/feature', before: ZERO, after: A },
  { ref: 'refs/heads/old', before: B, after: ZERO },
  { ref: 'refs/tags/v1', before: ZERO, after: B },
];

function references(triggers: TriggerRecord[]): unknown[] {
  return triggerDeliveries(repo(triggers), push, ctx).map(
    (d) =>
      (JSON.parse(d.messages[0] ?? '{}') as { Records: [{ codecommit: { references: unknown } }] }).Records[0]
        .codecommit.references,
  );
}

describe('sandbox CodeCommit trigger messages', () => {
  it('writes the record CodeCommit publishes, keys in its order, customData null when unset', () => {
    const [d] = triggerDeliveries(
      repo([{ name: 'all', destinationArn: TOPIC, branches: [], events: ['all'] }]),
      push,
      ctx,
    );
    expect(d?.subject).toBe('UPDATE: AWS CodeCommit us-east-1 push: svc');
    const body = JSON.parse(d?.messages[0] ?? '{}') as { Records: Record<string, unknown>[] };
    const record = body.Records[0] ?? {};
    expect(Object.keys(record)).toEqual([
      'awsRegion',
      'codecommit',
      'customData',
      'eventId',
      'eventName',
      'eventPartNumber',
      'eventSource',
      'eventSourceARN',
      'eventTime',
      'eventTotalParts',
      'eventTriggerConfigId',
      'eventTriggerName',
      'eventVersion',
      'userIdentityARN',
    ]);
    expect(record).toMatchObject({
      awsRegion: 'us-east-1',
      customData: null,
      eventName: 'ReferenceChanges',
      eventPartNumber: 1,
      eventSource: 'aws:codecommit',
      eventSourceARN: 'arn:aws:codecommit:us-east-1:123456789012:svc',
      eventTime: '2026-01-02T03:04:05.678+0000',
      eventTotalParts: 1,
      eventTriggerConfigId: 'config-1',
      eventTriggerName: 'all',
      eventVersion: '1.0',
      userIdentityARN: 'arn:aws:iam::123456789012:user/sandbox',
    });
    expect(record['codecommit']).toEqual({
      references: [
        { commit: B, ref: 'refs/heads/main' },
        { commit: A, created: true, ref: 'refs/heads/feature' },
        { commit: B, deleted: true, ref: 'refs/heads/old' },
        { commit: B, created: true, ref: 'refs/tags/v1' },
      ],
    });
  });

  it("honours each trigger's events and branches, and passes customData through", () => {
    expect(
      references([
        { name: 'c', destinationArn: TOPIC, branches: [], events: ['createReference'] },
        { name: 'd', destinationArn: TOPIC, branches: [], events: ['deleteReference', 'updateReference'] },
        { name: 'm', destinationArn: TOPIC, branches: ['main', 'old'], events: ['all'] },
      ]),
    ).toEqual([
      [
        { commit: A, created: true, ref: 'refs/heads/feature' },
        { commit: B, created: true, ref: 'refs/tags/v1' },
      ],
      [
        { commit: B, ref: 'refs/heads/main' },
        { commit: B, deleted: true, ref: 'refs/heads/old' },
      ],
      [
        { commit: B, ref: 'refs/heads/main' },
        { commit: B, deleted: true, ref: 'refs/heads/old' },
      ],
    ]);
    // No matching reference: nothing is published for that trigger.
    const none = triggerDeliveries(
      repo([
        { name: 'r', destinationArn: TOPIC, branches: ['release'], events: ['all'], customData: 'x' },
        { name: 'k', destinationArn: TOPIC, branches: [], events: ['all'], customData: 'team=ci' },
      ]),
      push,
      ctx,
    );
    expect(none.map((d) => d.trigger.name)).toEqual(['k']);
    expect(JSON.parse(none[0]?.messages[0] ?? '{}')).toMatchObject({ Records: [{ customData: 'team=ci' }] });
  });

  it('splits a push of many references into parts that each fit in an SNS message', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({
      ref: `refs/heads/branch-with-a-long-name-${String(i).padStart(5, '0')}`,
      before: ZERO,
      after: A,
    }));
    const [d] = triggerDeliveries(
      repo([{ name: 'all', destinationArn: TOPIC, branches: [], events: ['all'] }]),
      many,
      ctx,
    );
    const bodies = (d?.messages ?? []).map(
      (m) =>
        JSON.parse(m) as {
          Records: [
            {
              eventId: string;
              eventPartNumber: number;
              eventTotalParts: number;
              codecommit: { references: [] };
            },
          ];
        },
    );
    expect(bodies.length).toBeGreaterThan(1);
    expect(d?.messages.every((m) => Buffer.byteLength(m) < 256 * 1024)).toBe(true);
    expect(bodies.map((b) => b.Records[0].eventPartNumber)).toEqual(bodies.map((_, i) => i + 1));
    expect(new Set(bodies.map((b) => `${b.Records[0].eventId}/${b.Records[0].eventTotalParts}`)).size).toBe(
      1,
    );
    expect(bodies.reduce((n, b) => n + b.Records[0].codecommit.references.length, 0)).toBe(5000);
  });
});
