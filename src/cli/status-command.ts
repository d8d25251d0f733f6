import type { Command } from 'commander';
import type { Config } from '../config/schema.ts';
import { renderTable } from '../migrate/report.ts';
import { shownState, type RepoState } from '../state/repo-state.ts';
import type { StateStore } from '../state/state-store.ts';
import { ConfigError } from '../util/errors.ts';
import { EXIT_FAILED, EXIT_OK, type CliContext } from './cli-context.ts';
import { loadCliConfig } from './load-cli-config.ts';
import { print } from './output.ts';

/** Version of `gh2cc status --json` output (schemas/status.v1.schema.json). */
export const STATUS_JSON_VERSION = 1;

function ago(iso: string | undefined, now: number): string {
  if (iso === undefined) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function lag(s: RepoState, now: number): string {
  if (s.pendingSince !== undefined) return `${Math.round((now - s.pendingSince) / 1000)}s behind`;
  return s.lagSeconds === undefined ? '' : `${s.lagSeconds.toFixed(1)}s`;
}

export async function redisForCli(
  opts: { config?: string; redisUrl?: string },
  env: CliContext['env'],
): Promise<{
  store: StateStore;
  close: () => void;
  prefix: string;
  url: string;
  cluster: boolean;
  config: Config;
}> {
  const config = await loadCliConfig(opts.config, { 'redis.url': opts.redisUrl }, env);
  const url = config.redis.url;
  if (url === undefined)
    throw new ConfigError([
      { path: 'redis.url', message: 'required: the daemon’s Redis (--redis-url or REDIS_URL)' },
    ]);
  // Loaded on use: ioredis is not for every command's start-up.
  const { createRedis, reachable } = await import('../queue/redis-connection.ts');
  const { StateStore } = await import('../state/state-store.ts');
  // A status query should fail fast when Redis is away, not queue commands forever as workers do.
  const redis = createRedis(url, 'gh2cc-cli', { cluster: config.redis.cluster, failFast: true });
  try {
    await reachable(redis, url);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  return {
    store: new StateStore(redis, config.redis.prefix),
    close: () => redis.disconnect(),
    prefix: config.redis.prefix,
    url,
    cluster: config.redis.cluster,
    config,
  };
}

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('Every mirrored repository: state, last successful sync, lag, last error')
    .option('-c, --config <file>', 'YAML config file')
    .option(
      '--redis-url <url>',
      'the daemon’s Redis (env REDIS_URL, which keeps a password out of the process list)',
    )
    .option('--json', 'stdout carries only JSON (schemas/status.v1.schema.json)')
    .action(async (opts: { config?: string; redisUrl?: string; json?: boolean }) => {
      const { store, close } = await redisForCli(opts, ctx.env);
      try {
        const states = await store.all();
        const now = Date.now();
        if (opts.json === true) {
          print(
            JSON.stringify(
              {
                version: STATUS_JSON_VERSION,
                generatedAt: new Date(now).toISOString(),
                repos: states.map((s) => ({ ...s, state: shownState(s) })),
              },
              null,
              2,
            ),
          );
        } else {
          print(
            renderTable(
              ['REPOSITORY', 'CODECOMMIT', 'STATE', 'LAST SUCCESS', 'LAG', 'ERROR'],
              states.map((s) => [
                s.repo,
                s.target,
                shownState(s),
                ago(s.lastSuccessAt, now),
                lag(s, now),
                (
                  s.lastError ??
                  (s.divergentRefs.length > 0
                    ? `diverged: ${s.divergentRefs.slice(0, 3).join(', ')}`
                    : (s.stoppedReason ?? ''))
                ).slice(0, 80),
              ]),
            ),
          );
          const counts = new Map<string, number>();
          for (const s of states) counts.set(shownState(s), (counts.get(shownState(s)) ?? 0) + 1);
          print(
            `\n${states.length} repositories: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'none yet'}`,
          );
        }
        ctx.exitCode = states.some((s) => s.state === 'failing') ? EXIT_FAILED : EXIT_OK;
      } finally {
        close();
      }
    });
}
