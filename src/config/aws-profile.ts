import { ConfigError } from '../util/errors.ts';
import { loadConfig, type ConfigSources } from './load-config.ts';
import type { Config } from './schema.ts';

type Env = ConfigSources['env'];

/**
 * The settings of an AWS profile gh2cc uses itself, read with the SDK's own loader from the shared files
 * (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, or ~/.aws/config and ~/.aws/credentials). Credentials
 * stay with the SDK's provider chain, which reads the same files.
 */
async function readProfile(name: string, env: Env): Promise<{ region?: string; caBundle?: string }> {
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  const configFile = env['AWS_CONFIG_FILE'];
  const credentialsFile = env['AWS_SHARED_CREDENTIALS_FILE'];
  const files = await loadSharedConfigFiles({
    ...(configFile === undefined || configFile === '' ? {} : { configFilepath: configFile }),
    ...(credentialsFile === undefined || credentialsFile === '' ? {} : { filepath: credentialsFile }),
  });
  // As the SDK merges them: the config file wins over the credentials file.
  const profile = { ...files.credentialsFile[name], ...files.configFile[name] };
  return {
    ...(profile['region'] === undefined ? {} : { region: profile['region'] }),
    ...(profile['ca_bundle'] === undefined ? {} : { caBundle: profile['ca_bundle'] }),
  };
}

/**
 * Completes a loaded configuration from the AWS profile as the AWS CLI does: its `region` and `ca_bundle`
 * count when neither a flag, the environment nor the config file set `aws.region` / `aws.caBundle`.
 */
export async function withAwsProfile(config: Config, sources: ConfigSources): Promise<Config> {
  if (config.aws.region !== undefined && config.aws.caBundle !== undefined) return config;
  const name = config.aws.profile ?? 'default';
  const profile = await readProfile(name, sources.env);
  const region = config.aws.region === undefined ? profile.region : undefined;
  const caBundle = config.aws.caBundle === undefined ? profile.caBundle : undefined;
  if (region === undefined && caBundle === undefined) return config;
  try {
    return loadConfig({
      ...sources,
      overrides: { ...sources.overrides, 'aws.region': region, 'aws.caBundle': caBundle },
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The value came from the profile, not from where loadConfig's message would send the user.
    throw new ConfigError(
      err.problems.map((p) =>
        p.path === 'aws.region' && region !== undefined
          ? { path: p.path, message: `"${region}", the region of AWS profile ${name}: ${p.message}` }
          : p,
      ),
      sources.fileName,
    );
  }
}
