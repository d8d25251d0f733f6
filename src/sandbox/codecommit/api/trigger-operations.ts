import { randomUUID } from 'node:crypto';
import type { TriggerRecord } from '../store.ts';
import type { ApiContext, Operation } from './context.ts';
import { apiError, repositoryDoesNotExist } from './errors.ts';
import { type ApiInput, stringListMember, stringMember, structureListMember } from './input.ts';
import { requireRepository } from './repository-metadata.ts';
import { isValidBranchName, parseArn } from './validation.ts';

/** Triggers per repository. */
export const MAX_TRIGGERS = 10;
/** Branches named in one trigger (unconfirmed; CodeCommit documents a limit but the figure is not on record here). */
export const MAX_TRIGGER_BRANCHES = 100;
/** Length of a trigger name (unconfirmed). */
export const MAX_TRIGGER_NAME_LENGTH = 100;

const EVENTS = new Set(['all', 'updateReference', 'createReference', 'deleteReference']);

/** Triggers can target an SNS topic or a Lambda function (optionally a version or alias) in the repo's region. */
function checkDestination(ctx: ApiContext, arn: string): void {
  const parsed = parseArn(arn);
  const resourceOk =
    parsed !== undefined &&
    ((parsed.service === 'sns' && /^[A-Za-z0-9_-]{1,256}$/.test(parsed.resource)) ||
      (parsed.service === 'lambda' &&
        /^function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/.test(parsed.resource)));
  if (parsed === undefined || !resourceOk || parsed.partition !== ctx.partition || parsed.accountId === '') {
    throw apiError('InvalidRepositoryTriggerDestinationArnException');
  }
  if (parsed.region !== ctx.region) throw apiError('InvalidRepositoryTriggerRegionException');
}

function toTrigger(ctx: ApiContext, input: ApiInput, seenNames: Set<string>): TriggerRecord {
  const name = stringMember(input, 'name');
  if (name === undefined || name === '') throw apiError('RepositoryTriggerNameRequiredException');
  if (name.length > MAX_TRIGGER_NAME_LENGTH || seenNames.has(name)) {
    throw apiError('InvalidRepositoryTriggerNameException');
  }
  seenNames.add(name);

  const destinationArn = stringMember(input, 'destinationArn');
  if (destinationArn === undefined || destinationArn === '') {
    throw apiError('RepositoryTriggerDestinationArnRequiredException');
  }
  checkDestination(ctx, destinationArn);

  const customData = stringMember(input, 'customData');

  // The list itself is required even though an empty one means "all branches".
  const branches = stringListMember(input, 'branches');
  if (branches === undefined) throw apiError('RepositoryTriggerBranchNameListRequiredException');
  if (branches.length > MAX_TRIGGER_BRANCHES) throw apiError('MaximumBranchesExceededException');
  if (branches.some((b) => !isValidBranchName(b)))
    throw apiError('InvalidRepositoryTriggerBranchNameException');

  const events = stringListMember(input, 'events');
  if (events === undefined || events.length === 0)
    throw apiError('RepositoryTriggerEventsListRequiredException');
  if (events.some((e) => !EVENTS.has(e)) || (events.includes('all') && events.length > 1)) {
    throw apiError('InvalidRepositoryTriggerEventsException');
  }

  return {
    name,
    destinationArn,
    ...(customData === undefined ? {} : { customData }),
    branches: [...branches],
    events: [...events],
  };
}

export const putRepositoryTriggers: Operation = async (ctx, input) => {
  const name = (await requireRepository(ctx, stringMember(input, 'repositoryName'))).repositoryName;
  const list = structureListMember(input, 'triggers');
  if (list === undefined) throw apiError('RepositoryTriggersListRequiredException');
  if (list.length > MAX_TRIGGERS) throw apiError('MaximumRepositoryTriggersExceededException');
  const seen = new Set<string>();
  const triggers = list.map((t) => toTrigger(ctx, t, seen));
  const configurationId = randomUUID();
  // The whole list is replaced; an empty list removes every trigger.
  await ctx.store.transact((tx) => {
    const record = tx.get(name);
    if (record === undefined) throw repositoryDoesNotExist(name);
    tx.put({ ...record, triggers, triggersConfigurationId: configurationId });
  });
  return { configurationId };
};

export const getRepositoryTriggers: Operation = async (ctx, input) => {
  const record = await requireRepository(ctx, stringMember(input, 'repositoryName'));
  return { configurationId: record.triggersConfigurationId, triggers: record.triggers };
};
