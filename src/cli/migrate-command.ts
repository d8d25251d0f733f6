import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/schema.ts';
import { ownerOf } from '../config/owner-of.ts';
import { ConfigError } from '../util/errors.ts';
import type { Logger } from '../util/logger.ts';
import { defaultLogFile } from '../util/file-logger.ts';
import type { MigrationPlan } from '../migrate/plan-migration.ts';
import type { MirrorContext } from '../mirror/mirror-context.ts';
import {
  buildReport,
  exitCodeFor,
  renderTable,
  reportTable,
  saveReport,
  type MigrationReport,
} from '../migrate/report.ts';
import type { CliContext } from './cli-context.ts';
import { loadCliConfig } from './load-cli-config.ts';
import { checkOutputPath, openLogFile } from './output-paths.ts';
import { print, printError } from './output.ts';
import { createProgressDisplay } from './progress-display.ts';
import type { RepoResult, SyncProgress } from '../core/repo-result.ts';
import { addMigrateOptions, migrateOverrides, type MigrateCliOptions } from './migrate-options.ts';
import { onStopSignals } from './stop-signals.ts';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE } from './cli-context.ts';
import { colorEnabled } from '../util/colors.ts';
import { askYesNo, isInteractive, needsConfirmation } from './confirm.ts';

/** Version of `gh2cc migrate --dry-run --json` output (schemas/migration-plan.v1.schema.json). */
export const PLAN_JSON_VERSION = 1;

/** The plan as `--dry-run --json` prints it. */
function planJson(plan: MigrationPlan): unknown {
  return {
    version: PLAN_JSON_VERSION,
    generatedAt: new Date().toISOString(),
    owner: plan.owner,
    repos: plan.repos.map((r) => ({
      repo: r.source.fullName,
      target: r.target,
      action: r.action,
      notes: r.notes,
    })),
    skipped: plan.skipped,
    errors: plan.errors,
  };
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

export interface MigrateCliResult {
  readonly code: number;
  readonly report?: MigrationReport;
  readonly logFile: string;
  /** Where the report was written: `--report`, or the fallback used when that could not be written. */
  readonly reportFile?: string;
}

/** Runs a whole migration with CLI output; shared by `migrate` and `demo`. Returns the exit code. */
export async function runMigrateCli(
  opts: MigrateCliOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<MigrateCliResult> {
  // Files the run will write are checked first: a typo is a usage error now, not a lost report later.
  if (opts.report !== undefined) await checkOutputPath('--report', opts.report);
  if (opts.logFile !== undefined) await checkOutputPath('--log-file', opts.logFile);
  const config = await loadCliConfig(opts.config, migrateOverrides(opts), env);
  ownerOf(config); // a usage error is reported before anything else starts
  queueUrl(opts, config);
  const logFile = defaultLogFile(opts.logFile, 'migrate', config.log.dir, env);
  const log = openLogFile(logFile, opts.logLevel ?? config.log.level, opts.logFile !== undefined);
  const { createMirrorContext } = await import('../mirror/mirror-context.ts');
  const ctx = createMirrorContext(config, log);
  // Installed before planning: Ctrl-C at any point stops cleanly, and a second one quits at once.
  const abort = new AbortController();
  const dispose = onStopSignals(() => {
    printError('Stopping after the current steps (Ctrl-C again to quit at once)…');
    abort.abort();
  });
  try {
    return await planAndRun(opts, config, ctx, log, logFile, abort.signal, env);
  } finally {
    dispose();
  }
}

/**
 * The Redis a queued migration uses: `--redis-url`, or with `--queue` the configured one (REDIS_URL or
 * redis.url), which keeps a password out of the process list. Undefined: the migration runs in this process.
 */
function queueUrl(opts: MigrateCliOptions, config: Config): string | undefined {
  if (opts.redisUrl !== undefined) return opts.redisUrl;
  if (opts.queue !== true) return undefined;
  if (config.redis.url === undefined)
    throw new ConfigError([
      { path: 'redis.url', message: 'required by --queue: the workers’ Redis (REDIS_URL or --redis-url)' },
    ]);
  return config.redis.url;
}

async function planAndRun(
  opts: MigrateCliOptions,
  config: Config,
  ctx: MirrorContext,
  log: Logger,
  logFile: string,
  signal: AbortSignal,
  env: Readonly<Record<string, string | undefined>>,
): Promise<MigrateCliResult> {
  const { planMigration } = await import('../migrate/plan-migration.ts');
  const owner = ownerOf(config);
  const ownerName = 'org' in owner ? owner.org : owner.user;
  printError(`Planning the migration of ${ownerName} from ${config.github.apiUrl} …`);
  let plan: MigrationPlan;
  try {
    plan = await planMigration(ctx, config, owner, signal);
  } catch (err) {
    // Ctrl-C cancelled the requests in flight: whatever error they ended with is the stop, not a failure.
    if (!signal.aborted) throw err;
    printError('Stopped while planning; nothing was changed.');
    return { code: EXIT_INTERRUPTED, logFile };
  }
  if (opts.dryRun === true && opts.json === true) {
    print(JSON.stringify(planJson(plan), null, 2));
    return { code: plan.errors.length > 0 ? EXIT_USAGE : 0, logFile };
  }
  if (plan.errors.length > 0) {
    for (const e of plan.errors) printError(`plan error: ${e}`);
    printError(`${plan.errors.length} problem(s) in the plan; nothing was changed.`);
    return { code: EXIT_USAGE, logFile };
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
    return { code: EXIT_INTERRUPTED, logFile };
  }
  const creates = plan.repos.filter((r) => r.action === 'create').length;
  if (needsConfirmation({ creates, yes: opts.yes === true, interactive: isInteractive() })) {
    const where = config.aws.region === undefined ? '' : ` in ${config.aws.region}`;
    const yes = await askYesNo(`This creates ${creates} CodeCommit repositories${where}. Go on?`);
    if (!yes || signal.aborted) {
      printError('Cancelled; nothing was changed (--yes skips this question).');
      return { code: EXIT_FAILED, logFile };
    }
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
    onProgress: (p: SyncProgress) => display.progress(p),
    onResult: (r: RepoResult) => display.result(r),
  };
  try {
    const { runInProcess, runOnQueue } = await import('../migrate/run-migration.ts');
    const queue = queueUrl(opts, config);
    const results =
      queue === undefined
        ? await runInProcess(ctx, plan.repos, runOptions, events)
        : await runOnQueue(
            { url: queue, prefix: config.redis.prefix },
            plan.owner,
            plan.repos,
            runOptions,
            log,
            events,
          );
    display.stop();
    const report = buildReport(
      plan.owner,
      queue === undefined ? 'in-process' : 'queue',
      started,
      results,
      plan.skipped,
    );
    // With --json, stdout carries the report alone (schemas/migration-report.v1.schema.json).
    if (opts.json === true) print(JSON.stringify(report, null, 2));
    else print(reportTable(report, { color: colorEnabled(env, process.stdout) }));
    const code = exitCodeFor(report);
    if (opts.report === undefined) return { code, report, logFile };
    const saved = await saveReport(resolve(opts.report), report, [config.mirror.cacheDir, process.cwd()]);
    if (saved.problem === undefined) {
      (opts.json === true ? printError : print)(`Report written to ${resolve(opts.report)}`);
      return { code, report, logFile, reportFile: resolve(opts.report) };
    }
    // The run's work stands; only the report is not where it was asked for, which a script reading it must
    // notice: a run that otherwise succeeded exits 1.
    printError(`error: could not write the report to ${resolve(opts.report)}: ${saved.problem}`);
    if (saved.path !== undefined) printError(`The report was written to ${saved.path} instead.`);
    else if (opts.json === true) printError('No fallback location could take it either; it is on stdout.');
    else {
      printError('No fallback location could take it either; the report follows on stdout.');
      print(JSON.stringify(report, null, 2));
    }
    return {
      code: code === 0 ? EXIT_FAILED : code,
      report,
      logFile,
      ...(saved.path === undefined ? {} : { reportFile: saved.path }),
    };
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
    ctx.exitCode = (await runMigrateCli(opts, ctx.env)).code;
  });
}
