import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  CodeCommitClient,
  CreateRepositoryCommand,
  GetRepositoryTriggersCommand,
  PutRepositoryTriggersCommand,
  type RepositoryTrigger,
} from '@aws-sdk/client-codecommit';
import { describe, expect, inject, it } from 'vitest';
import { GH2CC_TRIGGER_NAME, ensureRepositoryTrigger } from '../../src/codecommit/repository-triggers.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { readRequestLog, requestLogPath } from '../../src/sandbox/request-log.ts';
import { ConfigError, Gh2ccError } from '../../src/util/errors.ts';

const cc = inject('sandbox').codecommit;
const requestLog = requestLogPath(join(inject('sandboxDir'), 'codecommit'));
const client = new CodeCommitClient({ endpoint: cc.endpoint, region: cc.region, credentials: cc });
const TOPIC = `arn:aws:sns:${cc.region}:123456789012:gh2cc-notify`;
const OTHER_TOPIC = `arn:aws:sns:${cc.region}:123456789012:team-ci`;

function trigger(name: string, extra: Partial<RepositoryTrigger> = {}): RepositoryTrigger {
  return { name, destinationArn: OTHER_TOPIC, events: ['updateReference'], branches: ['release'], ...extra };
}

async function repoWith(triggers: RepositoryTrigger[]): Promise<string> {
  const name = `trig-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateRepositoryCommand({ repositoryName: name }));
  if (triggers.length > 0)
    await client.send(new PutRepositoryTriggersCommand({ repositoryName: name, triggers }));
  return name;
}

async function triggersOf(name: string): Promise<RepositoryTrigger[]> {
  return (await client.send(new GetRepositoryTriggersCommand({ repositoryName: name }))).triggers ?? [];
}

async function puts(name: string): Promise<number> {
  const log = await readRequestLog(requestLog);
  return log.filter((r) => r.operation === 'PutRepositoryTriggers' && r.repositories[0] === name).length;
}

describe('ensureRepositoryTrigger against the CodeCommit sandbox', () => {
  it("adds gh2cc's trigger after the others, and a second run writes nothing", async () => {
    const others = [
      trigger('team-ci', { customData: 'ci' }),
      trigger('audit', { events: ['all'], branches: [] }),
    ];
    const name = await repoWith(others);
    expect(await ensureRepositoryTrigger(client, name, TOPIC)).toEqual({ changed: true });
    expect(await triggersOf(name)).toEqual([
      ...others,
      { name: GH2CC_TRIGGER_NAME, destinationArn: TOPIC, events: ['all'], branches: [] },
    ]);
    const before = await puts(name);
    expect(await ensureRepositoryTrigger(client, name, TOPIC)).toEqual({ changed: false });
    expect(await puts(name)).toBe(before);
  });

  it('points its own trigger at a new topic in place, keeping the others', async () => {
    const name = await repoWith([
      trigger('first'),
      {
        name: GH2CC_TRIGGER_NAME,
        destinationArn: OTHER_TOPIC,
        events: ['createReference'],
        branches: ['main'],
      },
      trigger('last'),
    ]);
    expect(await ensureRepositoryTrigger(client, name, TOPIC)).toEqual({ changed: true });
    expect((await triggersOf(name)).map((t) => [t.name, t.destinationArn, t.events, t.branches])).toEqual([
      ['first', OTHER_TOPIC, ['updateReference'], ['release']],
      [GH2CC_TRIGGER_NAME, TOPIC, ['all'], []],
      ['last', OTHER_TOPIC, ['updateReference'], ['release']],
    ]);
  });

  it('leaves a repository with 10 other triggers alone and says how to make room', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => trigger(`t${i}`));
    const name = await repoWith(ten);
    const result = await ensureRepositoryTrigger(client, name, TOPIC);
    expect(result.changed).toBe(false);
    expect(result.note).toMatch(/10 other triggers.*remove one.*notify\.codecommitTriggers/);
    expect(await triggersOf(name)).toEqual(ten);
    expect(await puts(name)).toBe(1);
  });

  it('replaces its own trigger even when that makes the tenth', async () => {
    const name = await repoWith([
      ...Array.from({ length: 9 }, (_, i) => trigger(`t${i}`)),
      { name: GH2CC_TRIGGER_NAME, destinationArn: OTHER_TOPIC, events: ['all'], branches: [] },
    ]);
    expect(await ensureRepositoryTrigger(client, name, TOPIC)).toEqual({ changed: true });
    expect((await triggersOf(name)).at(-1)?.destinationArn).toBe(TOPIC);
  });

  it('classifies failures: a missing repository, a topic in another region', async () => {
    const missing = ensureRepositoryTrigger(client, `trig-gone-${randomUUID().slice(0, 8)}`, TOPIC);
    await expect(missing).rejects.toBeInstanceOf(Gh2ccError);
    await expect(missing).rejects.toMatchObject({ code: 'not-found', retryable: false });
    const name = await repoWith([]);
    await expect(
      ensureRepositoryTrigger(client, name, 'arn:aws:sns:eu-west-3:123456789012:elsewhere'),
    ).rejects.toMatchObject({ code: 'config', fix: expect.stringMatching(/notify\.snsTopicArn/) as unknown });
  });
});

describe('notify.codecommitTriggers configuration', () => {
  it('needs a topic, and reads true/false from the environment', () => {
    let error: unknown;
    try {
      loadConfig({ env: { GH2CC_CODECOMMIT_TRIGGERS: 'true' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        path: 'notify.snsTopicArn',
        message: expect.stringMatching(
          /required when codecommitTriggers is on.*turn codecommitTriggers off.*GH2CC_SNS_TOPIC_ARN/,
        ) as unknown,
      },
    ]);
    expect(loadConfig({ env: { GH2CC_CODECOMMIT_TRIGGERS: 'false' } }).notify.codecommitTriggers).toBe(false);
    expect(loadConfig({ env: {} }).notify.codecommitTriggers).toBe(false);
    expect(
      loadConfig({ env: { GH2CC_CODECOMMIT_TRIGGERS: '1', GH2CC_SNS_TOPIC_ARN: TOPIC } }).notify,
    ).toMatchObject({ codecommitTriggers: true, snsTopicArn: TOPIC });
    expect(() => loadConfig({ env: { GH2CC_CODECOMMIT_TRIGGERS: 'yes' } })).toThrow(ConfigError);
  });
});
