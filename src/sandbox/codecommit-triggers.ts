import { randomUUID } from 'node:crypto';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from 'pino';
import type { CodeCommitStore, RepositoryRecord, TriggerRecord } from './codecommit/store.ts';
import { parseArn, partitionOf } from './codecommit/api/validation.ts';
import type { RefUpdate } from './push-record.ts';
import type { SandboxCredentials } from './types.ts';

const ZERO = /^0+$/;
/** SNS takes at most 256 KB per message; a push reporting more references is split into parts below this. */
const MAX_PART_BYTES = 200_000;
/** SNS subjects are at most 100 characters. */
const MAX_SUBJECT = 100;

/** One entry of `codecommit.references`, keys in the order CodeCommit writes them. */
export interface TriggerReference {
  readonly commit: string;
  readonly created?: true;
  readonly deleted?: true;
  readonly ref: string;
}

/** What one trigger publishes for one push: the SNS subject and the JSON body, one per part. */
export interface TriggerDelivery {
  readonly trigger: TriggerRecord;
  readonly subject: string;
  readonly messages: readonly string[];
}

export interface TriggerEventContext {
  readonly region: string;
  readonly accountId: string;
  /** Who pushed, as CodeCommit names the caller. */
  readonly userIdentityArn: string;
  readonly now: Date;
}

type ReferenceEvent = 'createReference' | 'updateReference' | 'deleteReference';

function eventOf(u: RefUpdate): ReferenceEvent {
  if (ZERO.test(u.before)) return 'createReference';
  if (ZERO.test(u.after)) return 'deleteReference';
  return 'updateReference';
}

function matches(trigger: TriggerRecord, u: RefUpdate): boolean {
  if (!trigger.events.includes('all') && !trigger.events.includes(eventOf(u))) return false;
  // An empty branch list means every reference, tags included; a named branch only matches that branch.
  return trigger.branches.length === 0 || trigger.branches.some((b) => u.ref === `refs/heads/${b}`);
}

function reference(u: RefUpdate): TriggerReference {
  const event = eventOf(u);
  // A deleted reference is reported with the commit it pointed at.
  if (event === 'deleteReference') return { commit: u.before, deleted: true, ref: u.ref };
  if (event === 'createReference') return { commit: u.after, created: true, ref: u.ref };
  return { commit: u.after, ref: u.ref };
}

/** `2017-09-08T17:44:27.615+0000`, the form CodeCommit writes `eventTime` in. */
function eventTime(now: Date): string {
  return now.toISOString().replace(/Z$/, '+0000');
}

/** Splits references into parts whose JSON stays well under SNS's message size. */
function parts(refs: readonly TriggerReference[]): TriggerReference[][] {
  const out: TriggerReference[][] = [];
  let current: TriggerReference[] = [];
  let size = 0;
  for (const r of refs) {
    const bytes = Buffer.byteLength(JSON.stringify(r)) + 1;
    if (current.length > 0 && size + bytes > MAX_PART_BYTES) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(r);
    size += bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * What CodeCommit publishes for an accepted push: for each trigger with a matching reference change (its
 * `events`, and its `branches` unless empty), one `ReferenceChanges` record listing the matching references,
 * created ones marked `created`, deleted ones `deleted` (with the commit they pointed at). Keys are written in
 * CodeCommit's (alphabetical) order and `customData` is null when the trigger has none, as in the service's
 * messages.
 */
export function triggerDeliveries(
  repo: RepositoryRecord,
  updates: readonly RefUpdate[],
  ctx: TriggerEventContext,
): TriggerDelivery[] {
  const partition = partitionOf(ctx.region);
  const sourceArn = `arn:${partition}:codecommit:${ctx.region}:${ctx.accountId}:${repo.repositoryName}`;
  const subject = `UPDATE: AWS CodeCommit ${ctx.region} push: ${repo.repositoryName}`.slice(0, MAX_SUBJECT);
  const out: TriggerDelivery[] = [];
  for (const trigger of repo.triggers) {
    const refs = updates.filter((u) => matches(trigger, u)).map(reference);
    if (refs.length === 0) continue;
    const eventId = randomUUID();
    const split = parts(refs);
    const messages = split.map((references, i) =>
      JSON.stringify({
        Records: [
          {
            awsRegion: ctx.region,
            codecommit: { references },
            customData: trigger.customData ?? null,
            eventId,
            eventName: 'ReferenceChanges',
            eventPartNumber: i + 1,
            eventSource: 'aws:codecommit',
            eventSourceARN: sourceArn,
            eventTime: eventTime(ctx.now),
            eventTotalParts: split.length,
            eventTriggerConfigId: repo.triggersConfigurationId,
            eventTriggerName: trigger.name,
            eventVersion: '1.0',
            userIdentityARN: ctx.userIdentityArn,
          },
        ],
      }),
    );
    out.push({ trigger, subject, messages });
  }
  return out;
}

export interface TriggerPublisherOptions {
  readonly store: CodeCommitStore;
  readonly region: string;
  readonly accountId: string;
  readonly credentials: SandboxCredentials;
  /** Where SNS is (moto, LocalStack); unset, triggers are only logged. */
  readonly snsEndpoint?: string;
  readonly log: Logger;
  readonly now?: () => Date;
}

export interface TriggerPublisher {
  /** Queues the triggers of an accepted push; returns at once, failures are only logged. */
  fire(repositoryName: string, updates: readonly RefUpdate[]): void;
  /** Waits for what is queued, then releases the SNS client. */
  close(): Promise<void>;
}

/**
 * Fires repository triggers as CodeCommit does after a push: in the background, one push after the other so a
 * subscriber sees them in push order, never holding up or failing the push. SNS destinations are published to
 * on `snsEndpoint` with the sandbox's own keys; Lambda destinations are not invoked.
 */
export function createTriggerPublisher(options: TriggerPublisherOptions): TriggerPublisher {
  const sns =
    options.snsEndpoint === undefined
      ? undefined
      : new SNSClient({
          endpoint: options.snsEndpoint,
          region: options.region,
          credentials: options.credentials,
          maxAttempts: 2,
        });
  const userIdentityArn = `arn:${partitionOf(options.region)}:iam::${options.accountId}:user/sandbox`;
  let tail: Promise<void> = Promise.resolve();

  async function publish(repositoryName: string, updates: readonly RefUpdate[]): Promise<void> {
    const repo = await options.store.get(repositoryName);
    if (repo === undefined || repo.triggers.length === 0) return;
    const deliveries = triggerDeliveries(repo, updates, {
      region: options.region,
      accountId: options.accountId,
      userIdentityArn,
      now: options.now?.() ?? new Date(),
    });
    for (const d of deliveries) {
      const log = options.log.child({ repo: repositoryName, trigger: d.trigger.name });
      if (parseArn(d.trigger.destinationArn)?.service !== 'sns') {
        log.debug(
          { destinationArn: d.trigger.destinationArn },
          'sandbox trigger not fired: only SNS is served',
        );
        continue;
      }
      if (sns === undefined) {
        log.debug('sandbox trigger not published: no SNS endpoint configured');
        continue;
      }
      for (const message of d.messages) {
        try {
          await sns.send(
            new PublishCommand({ TopicArn: d.trigger.destinationArn, Subject: d.subject, Message: message }),
            { abortSignal: AbortSignal.timeout(10_000) },
          );
          log.debug({ topicArn: d.trigger.destinationArn }, 'sandbox trigger published');
        } catch (err) {
          // CodeCommit does not fail a push over a trigger that cannot deliver; neither does the sandbox.
          log.warn({ err, topicArn: d.trigger.destinationArn }, 'sandbox trigger could not be published');
        }
      }
    }
  }

  return {
    fire(repositoryName, updates) {
      tail = tail
        .then(() => publish(repositoryName, updates))
        .catch((err: unknown) => {
          options.log.warn({ err, repo: repositoryName }, 'sandbox triggers could not be fired');
        });
    },
    async close() {
      await tail;
      sns?.destroy();
    },
  };
}
