import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { defaultLogFile } from './file-logger.ts';
import { configDir, stateDir } from './user-dirs.ts';

describe('per-user folders', () => {
  it('follow XDG_STATE_HOME / XDG_CONFIG_HOME, else HOME; a relative XDG value is ignored', () => {
    expect(stateDir({ XDG_STATE_HOME: '/x/state', HOME: '/h' })).toBe('/x/state/gh2cc');
    expect(stateDir({ HOME: '/h' })).toBe('/h/.local/state/gh2cc');
    expect(stateDir({ XDG_STATE_HOME: 'relative', HOME: '/h' })).toBe('/h/.local/state/gh2cc');
    expect(configDir({ XDG_CONFIG_HOME: '/x/config', HOME: '/h' })).toBe('/x/config/gh2cc');
    expect(configDir({ HOME: '/h' })).toBe('/h/.config/gh2cc');
  });

  it('the mirror cache defaults to the state folder of the environment loadConfig is given', () => {
    expect(loadConfig({ env: { HOME: '/h' } }).mirror.cacheDir).toBe('/h/.local/state/gh2cc/cache');
    expect(loadConfig({ env: { HOME: '/h', GH2CC_CACHE_DIR: '/c' } }).mirror.cacheDir).toBe('/c');
  });

  it('logs go to log.dir (GH2CC_LOG_DIR), else the state folder; --log-file wins', () => {
    const env = { HOME: '/h' };
    expect(defaultLogFile(undefined, 'migrate', undefined, env)).toMatch(
      /^\/h\/\.local\/state\/gh2cc\/logs\/migrate-[\dTZ-]+\.log$/,
    );
    const dir = loadConfig({ env: { ...env, GH2CC_LOG_DIR: '/var/log/gh2cc' } }).log.dir;
    expect(defaultLogFile(undefined, 'verify', dir, env)).toMatch(/^\/var\/log\/gh2cc\/verify-/);
    expect(defaultLogFile('/tmp/x.log', 'verify', dir, env)).toBe('/tmp/x.log');
  });
});
