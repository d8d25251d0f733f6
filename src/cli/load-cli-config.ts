import { loadConfig, readConfigFile } from '../config/load-config.ts';
import type { Config } from '../config/schema.ts';

/** Loads the configuration the way every command does: optional YAML file, then environment, then flags. */
export async function loadCliConfig(
  file: string | undefined,
  overrides: Record<string, unknown> = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Config> {
  const content = file === undefined ? undefined : await readConfigFile(file);
  return loadConfig({ env, file: content, fileName: file, overrides });
}
