import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { withAwsProfile } from '../config/aws-profile.ts';
import { loadConfig, readConfigFile } from '../config/load-config.ts';
import type { Config } from '../config/schema.ts';
import { configDir } from '../util/user-dirs.ts';

/**
 * The config file a command reads: `--config`, else `GH2CC_CONFIG`, else the first of `./gh2cc.yaml` and
 * `$XDG_CONFIG_HOME/gh2cc/config.yaml` (`~/.config/gh2cc/config.yaml`) that exists, else none (the environment
 * alone). A file named explicitly must exist; `false` means no file at all (the demo keeps to its sandbox).
 */
export function findConfigFile(
  given: string | false | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (given === false) return undefined;
  if (given !== undefined) return given;
  const named = env['GH2CC_CONFIG'];
  if (named !== undefined && named !== '') return named;
  return [resolve('gh2cc.yaml'), join(configDir(env), 'config.yaml')].find((f) => existsSync(f));
}

/**
 * Loads the configuration the way every command does: optional YAML file, then environment, then flags; the
 * AWS profile's region and ca_bundle where none of them set one.
 */
export async function loadCliConfig(
  given: string | false | undefined,
  overrides: Record<string, unknown> = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Config> {
  const file = findConfigFile(given, env);
  const content = file === undefined ? undefined : await readConfigFile(file);
  const sources = { env, file: content, fileName: file, overrides };
  return withAwsProfile(loadConfig(sources), sources);
}
