import { ownerOf } from '../config/owner-of.ts';
import type { Config } from '../config/schema.ts';
import type { MirrorContext } from '../mirror/mirror-context.ts';
import { defaultLogFile } from '../util/file-logger.ts';
import { loadCliConfig } from './load-cli-config.ts';
import { migrateOverrides, type MigrateCliOptions } from './migrate-options.ts';
import { checkOutputPath, openLogFile } from './output-paths.ts';

/**
 * What a read-only command over the migration's repositories (`verify`, `drift`) starts with: the
 * configuration with the selection flags applied, the owner, its log file and the clients.
 */
export async function openMirrorCommand(
  opts: MigrateCliOptions,
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): Promise<{ config: Config; owner: ReturnType<typeof ownerOf>; ctx: MirrorContext }> {
  if (opts.logFile !== undefined) await checkOutputPath('--log-file', opts.logFile);
  const config = await loadCliConfig(opts.config, migrateOverrides(opts), env);
  const owner = ownerOf(config);
  const log = openLogFile(
    defaultLogFile(opts.logFile, command, config.log.dir, env),
    opts.logLevel ?? config.log.level,
    opts.logFile !== undefined,
  );
  const { createMirrorContext } = await import('../mirror/mirror-context.ts');
  return { config, owner, ctx: createMirrorContext(config, log) };
}
