import { rename, writeFile } from 'node:fs/promises';

// Unquoted values only: `docker run --env-file` keeps quotes as part of the value while compose and
// `node --env-file` strip them, so a value that needs quoting would read differently depending on the reader.
const PLAIN = /^[^\s'"`#\\$]*$/;

/**
 * Writes `env` as an env file (`KEY=value` lines, mode 600: it holds the sandbox's secrets) that
 * `node --env-file`, compose's `env_file` and `docker run --env-file` all read the same way. The file appears
 * whole (written beside, then renamed), so a reader that waits for it never sees half of it.
 */
export async function writeEnvFile(path: string, env: Readonly<Record<string, string>>): Promise<void> {
  const lines = Object.entries(env).map(([key, value]) => {
    if (!PLAIN.test(value)) throw new Error(`${key}: the value cannot be written unquoted to an env file`);
    return `${key}=${value}\n`;
  });
  const partial = `${path}.partial`;
  await writeFile(partial, lines.join(''), { mode: 0o600 });
  await rename(partial, path);
}
