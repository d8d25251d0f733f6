import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * An XDG base directory (`XDG_STATE_HOME`, `XDG_CONFIG_HOME`), else its default under the home folder. The
 * specification says a relative value is invalid and must be ignored, so a stray `XDG_STATE_HOME=state`
 * never scatters gh2cc's files into whatever folder a command runs from.
 */
function xdgDir(env: Env, name: string, fallback: readonly string[]): string {
  const value = env[name];
  if (value !== undefined && value !== '' && isAbsolute(value)) return value;
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : homedir();
  return join(home, ...fallback);
}

/** gh2cc's per-user state: mirror cache and logs (`$XDG_STATE_HOME/gh2cc`, i.e. `~/.local/state/gh2cc`). */
export function stateDir(env: Env): string {
  return join(xdgDir(env, 'XDG_STATE_HOME', ['.local', 'state']), 'gh2cc');
}

/** gh2cc's per-user configuration folder (`$XDG_CONFIG_HOME/gh2cc`, i.e. `~/.config/gh2cc`). */
export function configDir(env: Env): string {
  return join(xdgDir(env, 'XDG_CONFIG_HOME', ['.config']), 'gh2cc');
}
