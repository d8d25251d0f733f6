import { Option, type Command } from 'commander';
import { addAwsOptions, awsOverrides, type AwsCliOptions } from './aws-options.ts';
import { CONFIRM_CREATES_ABOVE } from './confirm.ts';
import { parseLogLevel, parsePositiveInt } from './parse-options.ts';

export interface MigrateCliOptions extends AwsCliOptions {
  /** `--config`; undefined: the usual search (load-cli-config.ts); false: no file (the demo). */
  config?: string | false;
  org?: string;
  user?: string;
  include?: string[];
  exclude?: string[];
  topic?: string[];
  visibility?: ('public' | 'private' | 'internal')[];
  skipArchived?: boolean;
  skipForks?: boolean;
  skipEmpty?: boolean;
  pushedSince?: string;
  prefix?: string;
  suffix?: string;
  nameTemplate?: string;
  concurrency?: number;
  verify?: 'refs' | 'deep';
  wikis?: boolean;
  maxRefsPerPush?: number;
  incrementCommits?: number;
  cacheDir?: string;
  redisUrl?: string;
  queue?: boolean;
  dryRun?: boolean;
  json?: boolean;
  yes?: boolean;
  report?: string;
  logFile?: string;
  logLevel?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The options `migrate` and `demo` share, mapped onto config keys (flags win over file and environment). */
export function migrateOverrides(o: MigrateCliOptions): Record<string, unknown> {
  return {
    ...awsOverrides(o),
    'github.org': o.org,
    'github.user': o.user,
    'migrate.include': o.include,
    'migrate.exclude': o.exclude,
    'migrate.topics': o.topic,
    'migrate.visibility': o.visibility,
    'migrate.skipArchived': o.skipArchived,
    'migrate.skipForks': o.skipForks,
    'migrate.skipEmpty': o.skipEmpty,
    'migrate.pushedSince': o.pushedSince,
    'migrate.naming.prefix': o.prefix,
    'migrate.naming.suffix': o.suffix,
    'migrate.naming.template': o.nameTemplate,
    'migrate.concurrency': o.concurrency,
    'migrate.verify': o.verify,
    'migrate.wikis': o.wikis,
    'mirror.maxRefsPerPush': o.maxRefsPerPush,
    'mirror.incrementCommits': o.incrementCommits,
    'mirror.cacheDir': o.cacheDir,
  };
}

/** Which repositories and how they are named: shared by `migrate` and `verify`. */
export function addSelectionOptions(cmd: Command): Command {
  return addAwsOptions(cmd.option('-c, --config <file>', 'YAML config file'))
    .option('--org <org>', 'GitHub organization (env GH2CC_ORG)')
    .option('--user <user>', "a user's repositories instead of an organization's")
    .option('--include <glob>', 'only repos whose name matches (repeatable)', collect)
    .option('--exclude <glob>', 'skip repos whose name matches (repeatable)', collect)
    .option('--topic <topic>', 'only repos with this topic (repeatable; any matches)', collect)
    .addOption(
      new Option('--visibility <v>', 'only repos with this visibility (repeatable)')
        .choices(['public', 'private', 'internal'])
        .argParser(collect),
    )
    .option('--skip-archived', 'skip archived repos')
    .option('--skip-forks', 'skip forks')
    .option('--skip-empty', 'skip empty repos')
    .option('--pushed-since <date>', 'only repos pushed on or after YYYY-MM-DD')
    .option('--prefix <prefix>', 'CodeCommit name prefix')
    .option('--suffix <suffix>', 'CodeCommit name suffix')
    .option('--name-template <template>', 'CodeCommit name template with {name} and {owner}')
    .option('--concurrency <n>', 'repositories at once (default 4)', parsePositiveInt)
    .option(
      '--log-file <file>',
      'where the detailed log goes (default ~/.local/state/gh2cc/logs/<command>-<time>.log)',
    )
    .option(
      '--log-level <level>',
      'log level for the log file (default: log.level, GH2CC_LOG_LEVEL, info)',
      parseLogLevel,
    );
}

export function addMigrateOptions(cmd: Command): Command {
  return addSelectionOptions(cmd)
    .addOption(
      new Option('--verify <mode>', 'refs: compare every ref; deep: also clone back and git fsck').choices([
        'refs',
        'deep',
      ]),
    )
    .option('--wikis', 'also mirror <repo>.wiki.git to a companion <name>.wiki repository')
    .option('--max-refs-per-push <n>', 'ref updates per push (at most 4000)', parsePositiveInt)
    .option(
      '--increment-commits <n>',
      'first pushes of long histories go in steps of this many commits',
      parsePositiveInt,
    )
    .option('--cache-dir <dir>', 'local mirror cache (default ~/.local/state/gh2cc/cache; GH2CC_CACHE_DIR)')
    .option(
      '--queue',
      'enqueue per-repo jobs for `gh2cc worker` processes instead of running in-process, on the Redis of REDIS_URL (or redis.url in the config file)',
    )
    .option(
      '--redis-url <url>',
      'like --queue, on this Redis (a password in it shows in the process list: prefer REDIS_URL with --queue)',
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option(
      '--json',
      'stdout carries only JSON: the report (schemas/migration-report.v1.schema.json), with --dry-run the plan (schemas/migration-plan.v1.schema.json); progress stays on stderr',
    )
    .option(
      '-y, --yes',
      `create many CodeCommit repositories without asking (on a terminal, a run creating more than ${CONFIRM_CREATES_ABOVE} asks first)`,
    )
    .option('--report <file>', 'write the JSON report here');
}
