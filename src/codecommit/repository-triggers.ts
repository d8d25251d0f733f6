import {
  GetRepositoryTriggersCommand,
  PutRepositoryTriggersCommand,
  type CodeCommitClient,
  type RepositoryTrigger,
} from '@aws-sdk/client-codecommit';
import { classifyAwsError } from './classify-aws-error.ts';

/** The name of the one trigger gh2cc manages on a repository; every other trigger is someone else's. */
export const GH2CC_TRIGGER_NAME = 'gh2cc-drift';
/** CodeCommit's limit on triggers per repository. */
export const MAX_REPOSITORY_TRIGGERS = 10;

export interface TriggerEnsured {
  /** True when the trigger list was written. */
  readonly changed: boolean;
  /** Why the trigger is not there, when it could not be put without dropping someone else's. */
  readonly note?: string;
}

function isOurs(trigger: RepositoryTrigger, topicArn: string): boolean {
  return (
    trigger.destinationArn === topicArn &&
    trigger.events?.length === 1 &&
    trigger.events[0] === 'all' &&
    (trigger.branches ?? []).length === 0 &&
    trigger.customData === undefined
  );
}

/**
 * Makes the repository publish every reference change (all events, all branches) to `topicArn` through a
 * trigger named {@link GH2CC_TRIGGER_NAME}. PutRepositoryTriggers replaces the whole list, so the list is read
 * first and every other trigger is written back as it was; nothing is written when ours is already right. When
 * the repository already has CodeCommit's 10 other triggers, none is dropped: the result carries a note.
 */
export async function ensureRepositoryTrigger(
  client: CodeCommitClient,
  repositoryName: string,
  topicArn: string,
  options: { name?: string; signal?: AbortSignal } = {},
): Promise<TriggerEnsured> {
  const name = options.name ?? GH2CC_TRIGGER_NAME;
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };
  try {
    const current =
      (await client.send(new GetRepositoryTriggersCommand({ repositoryName }), send)).triggers ?? [];
    const existing = current.find((t) => t.name === name);
    if (existing !== undefined && isOurs(existing, topicArn)) return { changed: false };
    const others = current.filter((t) => t.name !== name);
    if (others.length >= MAX_REPOSITORY_TRIGGERS) {
      return {
        changed: false,
        note: `CodeCommit trigger ${name} not set: the repository already has ${others.length} other triggers, CodeCommit's limit is ${MAX_REPOSITORY_TRIGGERS}; remove one of them (aws codecommit put-repository-triggers) or turn notify.codecommitTriggers off`,
      };
    }
    const ours: RepositoryTrigger = { name, destinationArn: topicArn, events: ['all'], branches: [] };
    // A changed trigger of ours keeps its place in the list, a new one goes last. The others are written back
    // as read, with the branch list CodeCommit requires even when it is empty (all branches).
    const keep = (t: RepositoryTrigger): RepositoryTrigger => ({ ...t, branches: t.branches ?? [] });
    const triggers =
      existing === undefined
        ? [...current.map(keep), ours]
        : current.map((t) => (t.name === name ? ours : keep(t)));
    await client.send(new PutRepositoryTriggersCommand({ repositoryName, triggers }), send);
    return { changed: true };
  } catch (err) {
    throw classifyAwsError(err, `set CodeCommit trigger ${name} on ${repositoryName}`);
  }
}
