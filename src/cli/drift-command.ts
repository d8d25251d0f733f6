import type { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { RepoDrift } from '../mirror/detect-drift.ts';
import type { PushedRecord } from '../mirror/pushed-record.ts';
import { renderTable } from '../migrate/report.ts';
import { EXIT_DRIFT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, type CliContext } from './cli-context.ts';
import { openMirrorCommand } from './open-mirror-command.ts';
import { addSelectionOptions, type MigrateCliOptions } from './migrate-options.ts';
import { print, printError } from './output.ts';
import { onStopSignals } from './stop-signals.ts';

/** Version of `gh2cc drift --json` output (schemas/drift.v1.schema.json). */
export const DRIFT_JSON_VERSION = 1;

export interface DriftCliOptions extends MigrateCliOptions {
  json?: boolean;
}

function describe(r: RepoDrift): string {
  if (r.error !== undefined) return `error: ${r.error.slice(0, 80)}`;
  if (r.missingRepo) return 'missing in CodeCommit';
  const parts: string[] = [];
  const drifted = r.refs.filter((d) => d.kind !== 'behind');
  if (drifted.length > 0)
    parts.push(
      `${drifted.length} ref(s): ${drifted
        .slice(0, 3)
        .map((d) => `${d.ref.replace(/^refs\/(heads|tags)\//, '')} ${d.kind}`)
        .join(', ')}${drifted.length > 3 ? ', …' : ''}`,
    );
  if (r.settings.length > 0)
    parts.push(`settings: ${[...new Set(r.settings.map((s) => s.key ?? s.setting))].slice(0, 3).join(', ')}`);
  const behind = r.refs.length - drifted.length;
  if (behind > 0) parts.push(`${behind} ref(s) behind GitHub (next sync)`);
  return parts.length === 0 ? 'no drift' : parts.join('; ');
}

/**
 * Reports drift once for every repository the configuration covers — CodeCommit refs changed outside gh2cc,
 * missing refs or repositories, settings — changing nothing. Exit 3 when there is drift, 0 when there is
 * none, 1 when a repository could not be checked.
 */
export async function runDriftCli(
  opts: DriftCliOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const { config, owner, ctx } = await openMirrorCommand(opts, env, 'drift');
  const { planMigration } = await import('../migrate/plan-migration.ts');
  const { detectDrift } = await import('../mirror/detect-drift.ts');
  const dispose = onStopSignals(() => {
    printError('Stopped; drift changes nothing, so there is nothing to resume.');
    process.exit(EXIT_INTERRUPTED);
  });
  // The daemon's record of its own pushes, when it has one: tells a change made in CodeCommit from a sync
  // still to come. Without Redis, this host's mirror cache holds the record of `gh2cc migrate`.
  let redis: { disconnect(): void } | undefined;
  let recordFor: ((repo: string) => PushedRecord) | undefined;
  if (config.redis.url !== undefined) {
    const { createRedis, reachable } = await import('../queue/redis-connection.ts');
    const { redisPushedRecord } = await import('../state/redis-pushed-record.ts');
    const client = createRedis(config.redis.url, 'gh2cc-cli', {
      cluster: config.redis.cluster,
      failFast: true,
    });
    try {
      await reachable(client, config.redis.url);
    } catch (err) {
      client.disconnect();
      throw err;
    }
    redis = client;
    recordFor = (repo) => redisPushedRecord(client, config.redis.prefix, repo);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'gh2cc-drift-'));
  try {
    const { MirrorStore } = await import('../git/mirror-store.ts');
    await new MirrorStore(join(scratch, 'scratch.git')).ensure();
    const plan = await planMigration(ctx, config, owner);
    const limit = pLimit(config.migrate.concurrency);
    const results = await Promise.all(
      plan.repos.map((p) =>
        limit(async (): Promise<RepoDrift> =>
          p.action === 'create'
            ? ({
                repo: p.source.fullName,
                target: p.target,
                drift: true,
                missingRepo: true,
                refs: [],
                settings: [],
                backups: [],
                record: 'none',
              } as const)
            : detectDrift(
                ctx,
                p.source,
                p.target,
                join(scratch, 'scratch.git'),
                recordFor?.(p.source.fullName),
              ),
        ),
      ),
    );
    const drifted = results.filter((r) => r.drift).length;
    const failed = results.filter((r) => r.error !== undefined).length;
    if (opts.json === true) {
      print(
        JSON.stringify(
          {
            version: DRIFT_JSON_VERSION,
            generatedAt: new Date().toISOString(),
            owner: plan.owner,
            summary: { repos: results.length, drifted, failed },
            repos: results,
            ...(plan.errors.length === 0 ? {} : { notes: plan.errors }),
          },
          null,
          2,
        ),
      );
    } else {
      print(
        renderTable(
          ['REPOSITORY', 'CODECOMMIT', 'DRIFT'],
          results.map((r) => [r.repo, r.target, describe(r)]),
        ),
      );
      print(
        `\n${drifted} of ${results.length} repositories drifted${failed > 0 ? `; ${failed} could not be checked` : ''}.`,
      );
      if (results.some((r) => r.record === 'none' && r.refs.some((d) => d.kind === 'differs')))
        print(
          'Refs marked "differs" could not be told apart from a pending sync: no record of gh2cc\'s pushes was found (set REDIS_URL to the daemon\'s Redis, or run where `gh2cc migrate` ran).',
        );
      for (const e of plan.errors) printError(`note: ${e}`);
    }
    return failed > 0 ? EXIT_FAILED : drifted > 0 ? EXIT_DRIFT : EXIT_OK;
  } finally {
    dispose();
    redis?.disconnect();
    await rm(scratch, { recursive: true, force: true });
  }
}

export function registerDriftCommand(program: Command, ctx: CliContext): void {
  addSelectionOptions(
    program
      .command('drift')
      .description(
        'Report drift once: CodeCommit refs, repositories or settings that differ from GitHub (exit 3 on drift)',
      ),
  )
    .option('--json', 'stdout carries only JSON (schemas/drift.v1.schema.json)')
    .action(async (opts: DriftCliOptions) => {
      ctx.exitCode = await runDriftCli(opts, ctx.env);
    });
}
