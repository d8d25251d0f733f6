import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { pino } from 'pino';
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../util/errors.ts';
import { createLogger, type Logger } from '../util/logger.ts';
import type { MigrationPlan } from '../migrate/plan-migration.ts';
import type { MigrationContext } from '../migrate/migration-context.ts';
import {
  buildReport,
  exitCodeFor,
  renderTable,
  reportTable,
  writeReport,
  type MigrationReport,
} from '../migrate/report.ts';
import type { CliContext } from './main.ts';
import { loadCliConfig } from './config-command.ts';
import { print, printError } from './output.ts';
import { createProgressDisplay } from './progress-display.ts';
import type { MigrateProgress, RepoResult } from '../../workers/migrate-repo.ts';
import { parsePositiveInt } from './parse-options.ts';

export interface MigrateCliOptions {
  config?: string;
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
  dryRun?: boolean;
  json?: boolean;
  report?: string;
  logFile?: string;
  logLevel?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The options `migrate` and `demo` share, mapped onto config keys (flags win over file and environment). */
export function migrateOverrides(o: MigrateCliOptions): Record<string, unknown> {
  return {
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
  return cmd
    .option('-c, --config <file>', 'YAML config file')
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
    .option('--log-file <file>', 'where the detailed log goes (default .gh2cc/logs/<command>-<time>.log)')
    .option('--log-level <level>', 'log level for the log file (default: log.level, GH2CC_LOG_LEVEL, info)');
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
    .option('--cache-dir <dir>', 'local mirror cache (default .gh2cc/cache)')
    .option(
      '--redis-url <url>',
      'enqueue per-repo jobs on this Redis for `gh2cc worker` processes instead of running in-process',
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'with --dry-run: the plan as JSON')
    .option('--report <file>', 'write the JSON report here');
}

export function ownerOf(config: Config): { org: string } | { user: string } {
  if (config.github.org !== undefined && config.github.user !== undefined) {
    throw new ConfigError([
      { path: 'github.org', message: 'give either an organization (--org) or a user (--user), not both' },
    ]);
  }
  if (config.github.org !== undefined) return { org: config.github.org };
  if (config.github.user !== undefined) return { user: config.github.user };
  throw new ConfigError([
    { path: 'github.org', message: 'required: which organization to migrate (--org NAME or GH2CC_ORG)' },
  ]);
}

export function defaultLogFile(given: string | undefined, command: string): string {
  return resolve(
    given ?? join('.gh2cc', 'logs', `${command}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`),
  );
}

export function fileLogger(path: string, level: string): Logger {
  mkdirSync(resolve(path, '..'), { recursive: true });
  return createLogger({
    level: level as 'info',
    destination: pino.destination({ dest: path, sync: true, mkdir: true }),
  });
}

function planTable(plan: MigrationPlan): string {
  return renderTable(
    ['REPOSITORY', 'CODECOMMIT', 'ACTION', 'NOTES'],
    plan.repos.map((r) => [
      r.source.fullName,
      r.target,
      r.action,
      [r.source.archived ? 'archived' : '', ...r.notes].filter((n) => n !== '').join('; '),
    ]),
  );
}

/** Runs a whole migration with CLI output; shared by `migrate` and `demo`. Returns the exit code. */
export async function runMigrateCli(
  opts: MigrateCliOptions,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; report?: MigrationReport; logFile: string }> {
  for (const [k, v] of Object.entries(extraEnv)) process.env[k] = v;
  const config = await loadCliConfig(opts.config, migrateOverrides(opts));
  ownerOf(config); // a usage error is reported before anything else starts
  const logFile = defaultLogFile(opts.logFile, 'migrate');
  const log = fileLogger(logFile, opts.logLevel ?? config.log.level);
  const { createMigrationContext } = await import('../migrate/migration-context.ts');
  const ctx = createMigrationContext(config, log);
  // Installed before planning: Ctrl-C at any point stops cleanly, and a second one quits at once.
  const abort = new AbortController();
  const onSigint = (): void => {
    if (abort.signal.aborted) process.exit(130);
    printError('Stopping after the current steps (Ctrl-C again to quit at once)…');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    return await planAndRun(opts, config, ctx, log, logFile, abort.signal);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

async function planAndRun(
  opts: MigrateCliOptions,
  config: Config,
  ctx: MigrationContext,
  log: Logger,
  logFile: string,
  signal: AbortSignal,
): Promise<{ code: number; report?: MigrationReport; logFile: string }> {
  const { planMigration } = await import('../migrate/plan-migration.ts');
  const owner = ownerOf(config);
  const ownerName = 'org' in owner ? owner.org : owner.user;
  printError(`Planning the migration of ${ownerName} from ${config.github.apiUrl} …`);
  const plan = await planMigration(ctx, config, owner);
  if (opts.dryRun === true && opts.json === true) {
    print(
      JSON.stringify(
        {
          owner: plan.owner,
          repos: plan.repos.map((r) => ({
            repo: r.source.fullName,
            target: r.target,
            action: r.action,
            notes: r.notes,
          })),
          skipped: plan.skipped,
          errors: plan.errors,
        },
        null,
        2,
      ),
    );
    return { code: plan.errors.length > 0 ? 2 : 0, logFile };
  }
  if (plan.errors.length > 0) {
    for (const e of plan.errors) printError(`plan error: ${e}`);
    printError(`${plan.errors.length} problem(s) in the plan; nothing was changed.`);
    return { code: 2, logFile };
  }
  if (opts.dryRun === true) {
    print(planTable(plan));
    print(
      `\n${plan.repos.length} repositories planned, ${plan.skipped.length} skipped by filters. Dry run: nothing was changed.`,
    );
    return { code: 0, logFile };
  }
  if (signal.aborted) {
    printError('Stopped before any change.');
    return { code: 130, logFile };
  }
  printError(
    `${plan.repos.length} repositories to migrate (${plan.skipped.length} skipped by filters); details in ${logFile}`,
  );

  const started = new Date();
  const display = createProgressDisplay(plan.repos.length);
  const runOptions = {
    concurrency: config.migrate.concurrency,
    verify: config.migrate.verify,
    wikis: config.migrate.wikis,
    signal,
    push: { maxRefsPerPush: config.mirror.maxRefsPerPush, incrementCommits: config.mirror.incrementCommits },
  };
  const events = {
    onProgress: (p: MigrateProgress) => display.progress(p),
    onResult: (r: RepoResult) => display.result(r),
  };
  try {
    const { runInProcess, runOnQueue } = await import('../migrate/run-migration.ts');
    const results =
      opts.redisUrl === undefined
        ? await runInProcess(ctx, plan.repos, runOptions, events)
        : await runOnQueue(
            { url: opts.redisUrl, prefix: config.redis.prefix },
            plan.owner,
            plan.repos,
            runOptions,
            log,
            events,
          );
    display.stop();
    const report = buildReport(
      plan.owner,
      opts.redisUrl === undefined ? 'in-process' : 'queue',
      started,
      results,
      plan.skipped,
    );
    print(reportTable(report));
    if (opts.report !== undefined) {
      await writeReport(resolve(opts.report), report);
      print(`Report written to ${resolve(opts.report)}`);
    }
    return { code: exitCodeFor(report), report, logFile };
  } finally {
    display.stop();
  }
}

export function registerMigrateCommand(program: Command, ctx: CliContext): void {
  addMigrateOptions(
    program
      .command('migrate')
      .description(
        'Move a whole GitHub organization into CodeCommit: plan, push every branch and tag, verify, report',
      ),
  ).action(async (opts: MigrateCliOptions) => {
    ctx.exitCode = (await runMigrateCli(opts)).code;
  });
}
