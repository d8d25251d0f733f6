import { Option, type Command } from 'commander';
import type { Owner } from '../config/owner-of.ts';
import type { Config } from '../config/schema.ts';
import type { MirrorContext } from '../mirror/mirror-context.ts';
import { renderTable } from '../migrate/report.ts';
import type { VerifyResult } from '../migrate/verify-repos.ts';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, type CliContext } from './cli-context.ts';
import { openMirrorCommand } from './open-mirror-command.ts';
import { addSelectionOptions, type MigrateCliOptions } from './migrate-options.ts';
import { print, printError } from './output.ts';
import { onStopSignals } from './stop-signals.ts';

export interface VerifyCliOptions extends MigrateCliOptions {
  deep?: boolean;
}

/** Version of `gh2cc verify --json` output (schemas/verify.v1.schema.json). */
export const VERIFY_JSON_VERSION = 1;

/** One word per repository: what a script branches on. */
type Verdict = 'equal' | 'differs' | 'fsck-failed' | 'missing' | 'error';

function verdict(r: VerifyResult): Verdict {
  if (r.error !== undefined) return 'error';
  if (!r.equal) return 'differs';
  return r.fsck?.ok === false ? 'fsck-failed' : 'equal';
}

/** The document `verify --json` prints: every repository with its verdict, the refs that differ with both SHAs. */
function verifyJson(
  owner: string,
  deep: boolean,
  results: readonly VerifyResult[],
  missing: readonly { readonly repo: string; readonly target: string }[],
  notes: readonly string[],
): unknown {
  const repos = [
    ...results.map((r) => ({
      repo: r.repo,
      target: r.target,
      result: verdict(r),
      refs: r.refs,
      differences: r.differences.map((d) => ({
        ref: d.ref,
        github: d.source ?? null,
        codecommit: d.target === '' ? null : d.target,
      })),
      ...(r.error === undefined ? {} : { error: r.error }),
      ...(r.fsck === undefined ? {} : { fsck: r.fsck }),
    })),
    ...missing.map((m) => ({ ...m, result: 'missing' as const, refs: 0, differences: [] })),
  ];
  const count = (v: Verdict): number => repos.filter((r) => r.result === v).length;
  return {
    version: VERIFY_JSON_VERSION,
    generatedAt: new Date().toISOString(),
    owner,
    deep,
    summary: {
      repos: repos.length,
      equal: count('equal'),
      differs: count('differs'),
      fsckFailed: count('fsck-failed'),
      missing: count('missing'),
      error: count('error'),
    },
    repos,
    ...(notes.length === 0 ? {} : { notes }),
  };
}

function describe(r: VerifyResult): string {
  if (r.error !== undefined) return `error: ${r.error.slice(0, 80)}`;
  if (!r.equal)
    return `${r.differences.length} ref(s) differ: ${r.differences
      .slice(0, 3)
      .map((d) => d.ref)
      .join(', ')}`;
  if (r.fsck?.ok === false) return `fsck failed: ${(r.fsck.error ?? '').slice(0, 80)}`;
  return r.fsck?.ok === true ? 'equal, fsck ok' : 'equal';
}

/** Compares both sides of every repository the migration covers; 0 when all are equal, 1 otherwise. */
export async function runVerifyCli(
  opts: VerifyCliOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const { config, owner, ctx } = await openMirrorCommand(opts, env, 'verify');
  // Read-only: Ctrl-C ends it at once. process.exit also ends the git commands in flight (their process
  // groups, see git-runner), which the default signal action would leave running.
  const dispose = onStopSignals(() => {
    printError('Stopped; verify changes nothing, so there is nothing to resume.');
    process.exit(EXIT_INTERRUPTED);
  });
  try {
    return await verifyAll(opts, config, ctx, owner);
  } finally {
    dispose();
  }
}

async function verifyAll(
  opts: VerifyCliOptions,
  config: Config,
  ctx: MirrorContext,
  owner: Owner,
): Promise<number> {
  const { planMigration } = await import('../migrate/plan-migration.ts');
  const { verifyRepos } = await import('../migrate/verify-repos.ts');
  const plan = await planMigration(ctx, config, owner);
  const missing = plan.repos.filter((r) => r.action === 'create');
  const present = plan.repos.filter((r) => r.action !== 'create');
  const deep = opts.deep === true || config.migrate.verify === 'deep';
  const results = await verifyRepos(ctx, present, { concurrency: config.migrate.concurrency, deep });
  const bad = results.filter((r) => !r.equal || r.fsck?.ok === false).length + missing.length;
  if (opts.json === true) {
    const absent = missing.map((r) => ({ repo: r.source.fullName, target: r.target }));
    print(JSON.stringify(verifyJson(plan.owner, deep, results, absent, plan.errors), null, 2));
    return bad > 0 ? EXIT_FAILED : EXIT_OK;
  }
  const rows = [
    ...results.map((r) => [r.repo, r.target, String(r.refs), describe(r)]),
    ...missing.map((r) => [r.source.fullName, r.target, '0', 'missing in CodeCommit (not migrated yet)']),
  ];
  print(renderTable(['REPOSITORY', 'CODECOMMIT', 'REFS', 'RESULT'], rows));
  print(
    `\n${results.length - bad + missing.length} of ${plan.repos.length} repositories verified equal ref by ref${bad > 0 ? `; ${bad} not` : ''}.`,
  );
  if (plan.errors.length > 0) for (const e of plan.errors) printError(`note: ${e}`);
  return bad > 0 ? EXIT_FAILED : EXIT_OK;
}

export function registerVerifyCommand(program: Command, ctx: CliContext): void {
  addSelectionOptions(
    program
      .command('verify')
      .description('Compare GitHub and CodeCommit ref by ref for every repository of the org'),
  )
    .addOption(new Option('--deep', 'also clone each repository back from CodeCommit and run git fsck'))
    .option('--json', 'stdout carries only JSON (schemas/verify.v1.schema.json)')
    .action(async (opts: VerifyCliOptions) => {
      ctx.exitCode = await runVerifyCli(opts, ctx.env);
    });
}
