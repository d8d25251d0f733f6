import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { ownerOf } from '../config/owner-of.ts';
import type { Config } from '../config/schema.ts';
import type { IamChange } from '../core/iam-plan.ts';
import type { IamDeps, IamRun } from '../iam/plan-iam.ts';
import { Gh2ccError } from '../util/errors.ts';
import { defaultLogFile } from '../util/file-logger.ts';
import { addAwsOptions, awsOverrides, type AwsCliOptions } from './aws-options.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliContext } from './cli-context.ts';
import { loadCliConfig } from './load-cli-config.ts';
import { checkOutputPath, openLogFile } from './output-paths.ts';
import { parseLogLevel } from './parse-options.ts';
import { print, printError, printRaw } from './output.ts';
import { onStopSignals } from './stop-signals.ts';

interface IamCliOptions extends AwsCliOptions {
  config?: string;
  org?: string;
  userMap?: string;
  mode?: 'auto' | 'arn' | 'tag';
  accountId?: string;
  logFile?: string;
  logLevel?: string;
  json?: boolean;
}

function overrides(opts: IamCliOptions): Record<string, unknown> {
  return {
    ...awsOverrides(opts),
    ...(opts.org === undefined ? {} : { 'github.org': opts.org }),
    ...(opts.userMap === undefined ? {} : { 'iam.userMap': opts.userMap }),
    ...(opts.mode === undefined ? {} : { 'iam.mode': opts.mode }),
    ...(opts.accountId === undefined ? {} : { 'iam.accountId': opts.accountId }),
  };
}

async function orgOf(config: Config): Promise<string> {
  const owner = ownerOf(config);
  if (!('org' in owner))
    throw new Gh2ccError('usage', 'GitHub teams exist only in organizations; `gh2cc iam` needs --org', {
      retryable: false,
    });
  return Promise.resolve(owner.org);
}

async function userMapOf(config: Config) {
  if (config.iam.userMap === undefined)
    throw new Gh2ccError(
      'usage',
      'no IAM user map: gh2cc never guesses which IAM identity a GitHub login is',
      {
        retryable: false,
        fix: 'write a YAML file `users: { <login>: { iamUser: NAME } }` and pass --user-map FILE (or GH2CC_IAM_USER_MAP)',
      },
    );
  const { loadUserMap } = await import('../iam/load-user-map.ts');
  return loadUserMap(config.iam.userMap);
}

interface PlannedIam extends IamRun {
  /** The clients and log the plan used; apply makes its changes with the same ones. */
  readonly deps: IamDeps;
}

async function runPlan(
  opts: IamCliOptions,
  env: CliContext['env'],
  signal?: AbortSignal,
): Promise<PlannedIam> {
  if (opts.logFile !== undefined) await checkOutputPath('--log-file', opts.logFile);
  const config = await loadCliConfig(opts.config, overrides(opts), env);
  const org = await orgOf(config);
  const userMap = await userMapOf(config);
  const log = openLogFile(
    defaultLogFile(opts.logFile, 'iam', config.log.dir, env),
    opts.logLevel ?? config.log.level,
    opts.logFile !== undefined,
  );
  const { createIamDeps } = await import('../iam/create-iam-deps.ts');
  const { planIam } = await import('../iam/plan-iam.ts');
  const deps = await createIamDeps(config, log, signal);
  return { ...(await planIam(deps, org, userMap)), deps };
}

const SIGN: Record<IamChange['op'], string> = {
  createGroup: '+',
  createPolicy: '+',
  attachGroupPolicy: '+',
  addUserToGroup: '+',
  attachRolePolicy: '+',
  tagRepository: '+',
  updatePolicy: '~',
  deleteGroup: '-',
  deletePolicy: '-',
  detachGroupPolicy: '-',
  removeUserFromGroup: '-',
  detachRolePolicy: '-',
  untagRepository: '-',
};

async function printPlan(run: IamRun): Promise<void> {
  const { describeChange } = await import('../iam/apply-iam-plan.ts');
  const { desired, plan } = run;
  print(`IAM for GitHub org ${desired.org} (path ${desired.path}):`);
  for (const g of desired.groups) {
    const repos = Object.keys(g.repos).length;
    const who = [...g.users.map((u) => `user ${u}`), ...g.roles.map((r) => `role ${r}`)];
    print(
      `  group ${g.name}: ${repos} repositor${repos === 1 ? 'y' : 'ies'}, ${g.policies.length} polic${g.policies.length === 1 ? 'y' : 'ies'}, ${g.mode === 'arn' ? 'by ARN' : 'by tag'} (${g.modeReason}); ${who.length === 0 ? 'no members' : who.join(', ')}`,
    );
  }
  if (desired.unmapped.length > 0) {
    print(`\nGitHub members with no entry in the user map (not given access; add them to the map):`);
    for (const u of desired.unmapped) print(`  ${u.login} (${u.groups.join(', ')})`);
  }
  for (const w of desired.warnings) print(`warning: ${w}`);
  print(
    plan.changes.length === 0 ? '\nNo changes: IAM matches GitHub.' : `\n${plan.changes.length} change(s):`,
  );
  for (const c of plan.changes) print(`  ${SIGN[c.op]} ${describeChange(c)}`);
  for (const p of plan.problems) printError(`problem: ${p}`);
}

function planJson(run: IamRun): unknown {
  const { desired, plan } = run;
  return {
    schemaVersion: 1,
    org: desired.org,
    path: desired.path,
    groups: desired.groups,
    repoTags: desired.repoTags,
    unmapped: desired.unmapped,
    permissionSets: desired.permissionSets,
    warnings: desired.warnings,
    problems: plan.problems,
    changes: plan.changes,
  };
}

async function planCommand(opts: IamCliOptions, env: CliContext['env']): Promise<number> {
  const run = await runPlan(opts, env);
  if (opts.json === true) printRaw(`${JSON.stringify(planJson(run), null, 2)}\n`);
  else await printPlan(run);
  return run.plan.problems.length > 0 ? EXIT_FAILED : EXIT_OK;
}

async function applyCommand(opts: IamCliOptions, env: CliContext['env']): Promise<number> {
  const stop = new AbortController();
  const dispose = onStopSignals(() => {
    printError('Stopping after the IAM change in progress; run `gh2cc iam apply` again to finish.');
    stop.abort();
  });
  try {
    const run = await runPlan(opts, env, stop.signal);
    await printPlan(run);
    if (run.plan.problems.length > 0) {
      printError('Nothing applied: fix the problems above first.');
      return EXIT_FAILED;
    }
    if (run.plan.changes.length === 0) return EXIT_OK;
    const { applyIamPlan, describeChange } = await import('../iam/apply-iam-plan.ts');
    const { deps } = run;
    const { log } = deps;
    print('');
    const n = await applyIamPlan(deps.iam, deps.codecommit, run.plan, {
      ...run.applyContext,
      signal: stop.signal,
      onChange: (c, i, total) => {
        print(`  [${i}/${total}] ${describeChange(c)}`);
        log.info({ op: c.op, index: i, total }, 'IAM change applied');
      },
    });
    print(`\nApplied ${n} change(s).`);
    return EXIT_OK;
  } finally {
    dispose();
  }
}

async function exportCommand(
  opts: IamCliOptions & { format: 'cloudformation' | 'terraform'; output?: string },
  env: CliContext['env'],
): Promise<number> {
  if (opts.output !== undefined) await checkOutputPath('--output', opts.output);
  const run = await runPlan(opts, env);
  const { exportCloudFormation, exportTerraform } = await import('../core/iam-export.ts');
  const text =
    opts.format === 'terraform' ? exportTerraform(run.desired) : exportCloudFormation(run.desired, {});
  if (opts.output === undefined) printRaw(text.endsWith('\n') ? text : `${text}\n`);
  else {
    await writeFile(opts.output, text);
    printError(`Wrote ${opts.format} for ${run.desired.groups.length} group(s) to ${opts.output}.`);
  }
  for (const p of run.desired.problems) printError(`problem: ${p}`);
  return run.desired.problems.length > 0 ? EXIT_FAILED : EXIT_OK;
}

function withCommon(cmd: Command): Command {
  return addAwsOptions(cmd.option('-c, --config <file>', 'YAML config file'))
    .option('--org <org>', 'GitHub organization (env GH2CC_ORG)')
    .option('--user-map <file>', 'GitHub login → IAM user/role/permission set (env GH2CC_IAM_USER_MAP)')
    .addOption(
      new Option('--mode <mode>', 'team access by repository ARN, by tag, or ARN while it fits').choices([
        'auto',
        'arn',
        'tag',
      ]),
    )
    .option('--account-id <id>', "account of the CodeCommit repositories (default: gh2cc's own, from STS)")
    .option(
      '--log-file <file>',
      'where the detailed log goes (default ~/.local/state/gh2cc/logs/iam-<time>.log)',
    )
    .option('--log-level <level>', 'log level for the log file', parseLogLevel);
}

export function registerIamCommand(program: Command, ctx: CliContext): void {
  const iam = program.command('iam').description('Carry GitHub team access over to IAM groups and policies');
  withCommon(iam.command('plan').description('Show the IAM changes that would make IAM match GitHub'))
    .option('--json', 'the plan as JSON: groups, policy documents, changes (schemas/iam-plan.v1.schema.json)')
    .action(async (opts: IamCliOptions) => {
      ctx.exitCode = await planCommand(opts, ctx.env);
    });
  withCommon(
    iam.command('apply').description('Make IAM match GitHub (only gh2cc-owned groups, policies and tags)'),
  ).action(async (opts: IamCliOptions) => {
    ctx.exitCode = await applyCommand(opts, ctx.env);
  });
  withCommon(
    iam.command('export').description('Write the IAM model as a CloudFormation or Terraform template'),
  )
    .addOption(
      new Option('--format <format>', 'template format')
        .choices(['cloudformation', 'terraform'])
        .makeOptionMandatory(),
    )
    .option('-o, --output <file>', 'write here instead of stdout')
    .action(async (opts: IamCliOptions & { format: 'cloudformation' | 'terraform'; output?: string }) => {
      ctx.exitCode = await exportCommand(opts, ctx.env);
    });
  addAwsOptions(iam.command('self-policy'))
    .description("Print the least-privilege IAM policy for gh2cc's own identity")
    .option('-c, --config <file>', 'YAML config file')
    .addOption(
      new Option('--mode <mode>', 'what the identity runs')
        .choices(['migrate', 'daemon', 'iam'])
        .default('migrate'),
    )
    .option('--account-id <id>', "the account (default: iam.accountId, else gh2cc's own from STS)")
    .option(
      '--prefix <prefix>',
      'CodeCommit name prefix the repositories get (default migrate.naming.prefix)',
    )
    .action(
      async (
        opts: AwsCliOptions & {
          config?: string;
          mode: 'migrate' | 'daemon' | 'iam';
          accountId?: string;
          prefix?: string;
        },
      ) => {
        ctx.exitCode = await selfPolicyCommand(opts, ctx.env);
      },
    );
}

/** Where each setting the policy is built from comes from, for an error that names what to change. */
const SELF_POLICY_SOURCES: Record<string, string> = {
  accountId: '--account-id / iam.accountId',
  region: '--region / AWS_REGION',
  partition: '--region',
  iamPath: 'iam.path',
  repoPrefix: '--prefix / migrate.naming.prefix',
  kmsKeyArn: 'codecommit.kmsKeyId / GH2CC_KMS_KEY_ID',
  snsTopicArn: 'notify.snsTopicArn / GH2CC_SNS_TOPIC_ARN',
  assumeRoleArn: 'aws.assumeRoleArn / GH2CC_ASSUME_ROLE_ARN',
};

async function selfPolicyCommand(
  opts: AwsCliOptions & {
    config?: string;
    mode: 'migrate' | 'daemon' | 'iam';
    accountId?: string;
    prefix?: string;
  },
  env: CliContext['env'],
): Promise<number> {
  const config = await loadCliConfig(
    opts.config,
    {
      ...(opts.accountId === undefined ? {} : { 'iam.accountId': opts.accountId }),
      'migrate.naming.prefix': opts.prefix,
      ...awsOverrides(opts),
    },
    env,
  );
  const region = config.aws.region;
  if (region === undefined) {
    printError("error: the region is required: --region, AWS_REGION or the AWS profile's region");
    return EXIT_USAGE;
  }
  let account = { accountId: config.iam.accountId ?? '', partition: 'aws' };
  if (config.iam.accountId === undefined) {
    const { callerAccount } = await import('../iam/create-iam-client.ts');
    const { awsCredentialProvider } = await import('../codecommit/aws-credentials.ts');
    account = await callerAccount(config, awsCredentialProvider(config));
  }
  const { selfPolicy, selfPolicyProblems } = await import('../core/self-policy.ts');
  const context = {
    partition: account.partition,
    region,
    accountId: account.accountId,
    repoPrefix: config.migrate.naming.prefix,
    iamPath: config.iam.path,
    ...(config.codecommit.kmsKeyId === undefined ? {} : { kmsKeyArn: config.codecommit.kmsKeyId }),
    ...(config.notify.snsTopicArn === undefined ? {} : { snsTopicArn: config.notify.snsTopicArn }),
    ...(config.aws.assumeRoleArn === undefined ? {} : { assumeRoleArn: config.aws.assumeRoleArn }),
  };
  const problems = selfPolicyProblems(context);
  if (problems.length > 0) {
    printError(`error: cannot build the ${opts.mode} policy:`);
    for (const p of problems) {
      const field = p.slice(0, p.indexOf(':'));
      printError(`  ${SELF_POLICY_SOURCES[field] ?? field}${p.slice(field.length)}`);
    }
    if (problems.some((p) => p.startsWith('kmsKeyArn:')))
      printError(
        `fix: give the key as its ARN (IAM does not match key operations on an alias): aws kms describe-key --key-id ${config.codecommit.kmsKeyId ?? 'KEY'} --query KeyMetadata.Arn`,
      );
    return EXIT_USAGE;
  }
  const doc = selfPolicy(opts.mode, context);
  printRaw(`${JSON.stringify(doc, null, 2)}\n`);
  return EXIT_OK;
}
