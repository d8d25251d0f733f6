// docker-compose.yml as `docker compose config` reads it: YAML merge keys applied, variables interpolated.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const COMPOSE_FILE = join(REPO, 'docker-compose.yml');

/** The part of a service these tests read. */
export interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  env_file?: unknown;
  ports?: string[];
  volumes?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}
export interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** Compose's variable interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
function interpolate(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\$|\$\{(\w+)(?:(:?[-?+])([^}]*))?\}|\$(\w+)/g,
    (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare ?? '';
      const v = env[name];
      const unsetOrEmpty = v === undefined || (op?.startsWith(':') === true && v === '');
      switch (op) {
        case ':-':
        case '-':
          return unsetOrEmpty ? (arg ?? '') : (v ?? '');
        case ':?':
        case '?':
          if (unsetOrEmpty) throw new Error(`required variable ${name} is missing a value: ${arg ?? ''}`);
          return v ?? '';
        case ':+':
        case '+':
          return unsetOrEmpty ? '' : (arg ?? '');
        default:
          return v ?? '';
      }
    },
  );
}

function interpolateAll(node: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, env));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, env)]));
  }
  return node;
}

/** The file with YAML merge keys applied and `env` interpolated (a required variable unset throws, as compose stops). */
export function loadCompose(env: Readonly<Record<string, string>>): ComposeFile {
  return interpolateAll(parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }), env) as ComposeFile;
}
