import { Option, type Command } from 'commander';
import { renderTable } from '../migrate/report.ts';
import type { CliContext } from './main.ts';
import {
  addSelectionOptions,
  migrateOverrides,
  ownerOf,
  fileLogger,
  defaultLogFile,
  type MigrateCliOptions,
} from './migrate-command.ts';
import { loadCliConfig } from './config-command.ts';
import { print, printError } from './output.ts';

export interface VerifyCliOptions extends MigrateCliOptions {
  deep?: boolean;
}

/** Compares both sides of every repository the migration covers; 0 when all are equal, 1 otherwise. */
export async function runVerifyCli(opts: VerifyCliOptions): Promise<number> {
  const config = await loadCliConfig(opts.config, migrateOverrides(opts));
  const owner = ownerOf(config);
  const logFile = defaultLogFile(opts.logFile, 'verify');
  const log = fileLogger(logFile, opts.logLevel ?? config.log.level);
  const { createMigrationContext } = await import('../migrate/migration-context.ts');
  const { planMigration } = await import('../migrate/plan-migration.ts');
  const { verifyRepos } = await import('../migrate/verify-repos.ts');
  const { deepVerify } = await import('../../workers/migrate-repo.ts');
  const ctx = createMigrationContext(config, log);
  const plan = await planMigration(ctx, config, owner);
  const missing = plan.repos.filter((r) => r.action === 'create');
  const present = plan.repos.filter((r) => r.action !== 'create');
  const results = await verifyRepos(ctx, present, config.migrate.concurrency);
  const deepErrors = new Map<string, string>();
  if (opts.deep === true || config.migrate.verify === 'deep') {
    for (const r of results.filter((x) => x.equal && x.refs > 0)) {
      try {
        await deepVerify(ctx.remote.url(r.target), await ctx.remote.auth(r.target), log);
      } catch (err) {
        deepErrors.set(r.repo, err instanceof Error ? err.message : String(err));
      }
    }
  }
  const rows = [
    ...results.map((r) => {
      const deep = deepErrors.get(r.repo);
      const result =
        r.error !== undefined
          ? `error: ${r.error.slice(0, 80)}`
          : !r.equal
            ? `${r.differences.length} ref(s) differ: ${r.differences
                .slice(0, 3)
                .map((d) => d.ref)
                .join(', ')}`
            : deep !== undefined
              ? `fsck failed: ${deep.slice(0, 80)}`
              : opts.deep === true
                ? 'equal, fsck ok'
                : 'equal';
      return [r.repo, r.target, String(r.refs), result];
    }),
    ...missing.map((r) => [r.source.fullName, r.target, '0', 'missing in CodeCommit (not migrated yet)']),
  ];
  print(renderTable(['REPOSITORY', 'CODECOMMIT', 'REFS', 'RESULT'], rows));
  const bad = results.filter((r) => !r.equal || deepErrors.has(r.repo)).length + missing.length;
  print(
    `\n${results.length - bad + missing.length} of ${plan.repos.length} repositories verified equal ref by ref${bad > 0 ? `; ${bad} not` : ''}.`,
  );
  if (plan.errors.length > 0) for (const e of plan.errors) printError(`note: ${e}`);
  return bad > 0 ? 1 : 0;
}

export function registerVerifyCommand(program: Command, ctx: CliContext): void {
  addSelectionOptions(
    program
      .command('verify')
      .description('Compare GitHub and CodeCommit ref by ref for every repository of the org'),
  )
    .addOption(new Option('--deep', 'also clone each repository back from CodeCommit and run git fsck'))
    .action(async (opts: VerifyCliOptions) => {
      ctx.exitCode = await runVerifyCli(opts);
    });
}
