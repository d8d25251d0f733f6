import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../util/errors.ts';
import { addSecret } from '../util/secrets.ts';
import { stateDir } from '../util/user-dirs.ts';
import { githubFromEnv } from './github-env.ts';
import { ConfigSchema, ENV_KEYS, SECRET_KEYS, type Config } from './schema.ts';

export interface ConfigSources {
  /**
   * Process environment: the names in ENV_KEYS, AWS_DEFAULT_REGION, the gh CLI's GitHub variables
   * (github-env.ts) and HOME / XDG_STATE_HOME for the default mirror cache.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Parsed file content (already YAML-decoded), or undefined when there is no file. */
  readonly file?: unknown;
  /** Where the file came from, for messages. */
  readonly fileName?: string;
  /** Command-line overrides as `dotted.key → value`; they win over everything. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

type Tree = Record<string, unknown>;

function setPath(target: Tree, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1] as string] = value;
}

function getPath(source: unknown, dotted: string): unknown {
  let node: unknown = source;
  for (const part of dotted.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Tree)[part];
  }
  return node;
}

/** YAML turns a section holding only comments into null; treat that as "not set", not as an error. */
function dropNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Tree = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v);
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function envKeyFor(path: string): string | undefined {
  return Object.entries(ENV_KEYS).find(([, key]) => key === path)?.[0];
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): { path: string; message: string }[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({
        path: base === '' ? k : `${base}.${k}`,
        message: 'unknown key (check the spelling; see config/gh2cc.example.yaml)',
      }));
    }
    const env = envKeyFor(base);
    return [
      {
        path: base === '' ? '(root)' : base,
        message: env === undefined ? issue.message : `${issue.message} (or set ${env})`,
      },
    ];
  });
}

/**
 * Pure: merges file < environment < overrides, validates, registers every secret with the log sanitizer,
 * and returns a frozen Config. Throws ConfigError listing every problem by key path.
 */
export function loadConfig(sources: ConfigSources): Config {
  const merged: Tree = {};
  if (sources.file !== undefined && sources.file !== null) {
    if (typeof sources.file !== 'object' || Array.isArray(sources.file)) {
      throw new ConfigError(
        [{ path: '(root)', message: 'expected a YAML mapping of sections (github, aws, …)' }],
        sources.fileName,
      );
    }
    Object.assign(merged, dropNulls(sources.file));
  }
  const env = sources.env;
  const region = env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  // GITHUB_API_URL and GITHUB_TOKEN also stand for the gh CLI's variables (GH_HOST, GH_TOKEN, …).
  const github = githubFromEnv(env, getPath(merged, 'github.apiUrl'));
  const derived: Readonly<Record<string, string | undefined>> = {
    AWS_REGION: region,
    GITHUB_API_URL: github.apiUrl,
    GITHUB_TOKEN: github.token,
  };
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = name in derived ? derived[name] : env[name];
    if (value !== undefined && value !== '') setPath(merged, key, value);
  }
  if (getPath(merged, 'mirror.cacheDir') === undefined)
    setPath(merged, 'mirror.cacheDir', join(stateDir(env), 'cache'));
  for (const [key, value] of Object.entries(sources.overrides ?? {})) {
    if (value !== undefined) setPath(merged, key, value);
  }
  // Secrets are registered before validation so that even an error message quoting them is sanitized.
  for (const key of SECRET_KEYS) {
    const v = getPath(merged, key);
    if (typeof v !== 'string') continue;
    addSecret(v);
    // Several webhook secrets at once (rotation) come comma-separated: each is a secret on its own too.
    for (const part of v.split(',')) if (part.trim() !== '') addSecret(part.trim());
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues), sources.fileName);
  return deepFreeze(parsed.data);
}

/** Reads and YAML-decodes a config file; syntax errors become ConfigError with line numbers. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      [
        {
          path: '(file)',
          message: code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path} (${code ?? 'error'})`,
        },
      ],
      path,
    );
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      throw new ConfigError(
        [
          {
            path: pos === undefined ? '(file)' : `line ${pos.line}`,
            message: err.message.split('\n')[0] ?? 'YAML syntax error',
          },
        ],
        path,
      );
    }
    throw err;
  }
}

export interface Requirement {
  readonly key: string;
  readonly why: string;
  /** The variable to suggest, when it is not the key's own (an Enterprise Server's token). */
  readonly env?: string;
}

/** Commands state which keys they need; a missing one becomes a ConfigError naming the key and env var. */
export function requireKeys(config: Config, requirements: readonly Requirement[]): void {
  const missing = requirements
    .filter((r) => {
      const v = getPath(config, r.key);
      return v === undefined || v === '';
    })
    .map((r) => {
      const env = r.env ?? envKeyFor(r.key);
      return {
        path: r.key,
        message: `required ${r.why}${env === undefined ? '' : ` (set ${env} or ${r.key} in the config file)`}`,
      };
    });
  if (missing.length > 0) throw new ConfigError(missing);
}
