// docker-compose.yml checked without a Docker engine: interpolated and merged as compose does, validated
// against the Compose specification's JSON Schema (the copy the dclint package ships), and held to what
// running it safely needs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { REPO, loadCompose as load, type Service } from './compose-file.ts';

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

const ENV = { REDIS_PASSWORD: 'correct-horse-battery-staple' };
const compose = load(ENV);
const services = Object.entries(compose.services);
const service = (name: string): Service => {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`no service ${name}`);
  return s;
};

describe('docker-compose.yml', () => {
  it("is valid against the Compose specification's schema once interpolated as compose does", () => {
    const require = createRequire(import.meta.url);
    const schemaFile = join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
    const ajv = new Ajv({ allErrors: true, strict: false });
    // Draft-07, Ajv's own default; its `$schema` spells the draft's URI in a way Ajv does not know.
    const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<
      string,
      unknown
    >;
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // A broken file fails the same check: the validation is not vacuous.
    expect(validate({ services: { x: { restart: 'sometimes', ports: [{ bogus: 1 }] } } })).toBe(false);
  });

  it('refuses to start without REDIS_PASSWORD', () => {
    expect(() => load({})).toThrow(/REDIS_PASSWORD is missing a value: set REDIS_PASSWORD in \.env/);
  });

  it('pins every image to a full version, gh2cc to its package version', () => {
    for (const [name, s] of services) {
      expect(s.image, name).toBeDefined();
      if (s.build !== undefined) expect(s.image, name).toBe(`gh2cc:${VERSION}`);
      else expect(s.image, name).toMatch(/^[\w./-]+:\d+\.\d+\.\d+(-[\w.]+)?$/);
    }
  });

  it('Redis wants a password, checks health with it, and is published nowhere; every client sends it', () => {
    const redis = service('redis');
    expect(redis.ports).toBeUndefined();
    expect(redis.command?.join(' ')).toContain(`--requirepass ${ENV.REDIS_PASSWORD}`);
    expect(redis.healthcheck?.test?.join(' ')).toMatch(/REDISCLI_AUTH=.*redis-cli ping/);
    const urls = services
      .flatMap(([, s]) => Object.values(s.environment ?? {}))
      .filter((v) => v.startsWith('redis'));
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(new URL(url).password).toBe(ENV.REDIS_PASSWORD);
  });

  it('publishes ports on loopback only and once, restarts every service, and waits for health where a check exists', () => {
    const hostPorts: (string | undefined)[] = [];
    for (const [name, s] of services) {
      for (const port of s.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      hostPorts.push(...(s.ports ?? []).map((p) => p.split(':')[1]));
      expect(s.restart, name).toBe('unless-stopped');
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        const checked = service(dep).healthcheck !== undefined || service(dep).build !== undefined;
        expect(condition, `${name} → ${dep}`).toBe(checked ? 'service_healthy' : 'service_started');
      }
    }
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it("turns the image's HTTP health check off where gh2cc serves no HTTP (workers)", () => {
    for (const [name, s] of services) {
      if (s.command?.[0] === 'worker') expect(s.healthcheck, name).toEqual({ disable: true });
      if (s.command?.[0] === 'daemon' && !s.command.includes('--no-http')) {
        expect(s.healthcheck?.disable, name).not.toBe(true);
      }
    }
  });

  it('keeps every mirror cache on a named volume of its own', () => {
    // A daemon with --no-worker mirrors nothing: it has no cache to keep.
    const caches = services.filter(
      ([, s]) =>
        s.environment?.['GH2CC_CACHE_DIR'] !== undefined && !(s.command ?? []).includes('--no-worker'),
    );
    const volumesUsed: string[] = [];
    for (const [name, s] of caches) {
      const cacheDir = s.environment?.['GH2CC_CACHE_DIR'] ?? '';
      const mount = (s.volumes ?? [])
        .map((v) => v.split(':'))
        .find(
          ([, target]) => target !== undefined && (cacheDir === target || cacheDir.startsWith(`${target}/`)),
        );
      expect(mount, `${name}: ${cacheDir} is on no volume`).toBeDefined();
      const volume = mount?.[0] ?? '';
      expect(Object.keys(compose.volumes ?? {}), name).toContain(volume);
      volumesUsed.push(volume);
    }
    expect(new Set(volumesUsed).size).toBe(volumesUsed.length);
  });

  it('runs the real mirror and the sandbox demo as separate profiles; the demo never reads .env', () => {
    for (const name of ['worker-1', 'worker-2', 'daemon']) expect(service(name).profiles).toEqual(['mirror']);
    for (const name of ['moto', 'sandbox', 'demo']) expect(service(name).profiles).toEqual(['sandbox']);
    expect(service('redis').profiles).toBeUndefined();
    expect(service('demo').env_file).toBeUndefined();
    expect(service('sandbox').env_file).toBeUndefined();
  });

  it('sandbox profile: URLs name hosts the other containers resolve, and demo reads the env file the sandbox writes', () => {
    const sandbox = service('sandbox');
    const demo = service('demo');
    const flag = (args: string[] | undefined, name: string): string => {
      const i = (args ?? []).indexOf(name);
      const value = args?.[i + 1];
      if (i < 0 || value === undefined) throw new Error(`no ${name}`);
      return value;
    };
    const names = Object.keys(compose.services);
    // The sandbox advertises its service name; every URL it is given names a service too.
    expect(flag(sandbox.command, '--public-host')).toBe('sandbox');
    expect(flag(sandbox.command, '--host')).toBe('0.0.0.0');
    for (const option of ['--webhook-url', '--sns-endpoint']) {
      expect(names).toContain(new URL(flag(sandbox.command, option)).hostname);
    }
    expect(new URL(flag(sandbox.command, '--webhook-url')).hostname).toBe('demo');
    expect(new URL(flag(sandbox.command, '--webhook-url')).pathname).toBe('/webhooks/github');

    // The env file reaches demo through the volume both mount.
    const written = flag(sandbox.command, '--write-env');
    const mounts = (s: Service): [string, string][] =>
      (s.volumes ?? []).map((v) => v.split(':') as [string, string]);
    const [volume, sandboxTarget] = mounts(sandbox).find(([, t]) => written.startsWith(`${t}/`)) ?? [];
    expect(volume).toBeDefined();
    const demoTarget = mounts(demo).find(([v]) => v === volume)?.[1];
    expect(demoTarget).toBeDefined();
    const seenByDemo = posix.join(demoTarget ?? '', posix.relative(sandboxTarget ?? '', written));
    expect(demo.entrypoint).toContain(`--env-file=${seenByDemo}`);
    expect(demo.depends_on?.['sandbox']?.condition).toBe('service_healthy');
    expect(sandbox.healthcheck?.test?.join(' ')).toContain(written);
  });
});
