// `docker compose --profile sandbox up` played on this machine without Docker: the sandbox and demo services run
// their own command lines, environment and health checks from docker-compose.yml, with three substitutions
// a container network would make unnecessary: container paths point into a folder per named volume, service
// names resolve to loopback, and container ports become free ports. Redis runs with the file's password; moto
// is the suite's own. What runs inside /app is gh2cc itself (the Dockerfile test checks the image's /app).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, startRedis, type RedisService } from '../harness/services.ts';
import { gitWithHelper, makeRepo, tempDir } from '../helpers/git.ts';
import { eventually } from '../helpers/processes.ts';
import { loadCompose, REPO, type Service } from './compose-file.ts';

const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const compose = loadCompose({ REDIS_PASSWORD: PASSWORD });
// The image's ENTRYPOINT, for services that keep it.
const IMAGE_ENTRYPOINT = ['/usr/bin/tini', '--', 'node', '/app/bin/gh2cc.js'];

function service(name: string): Service {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`no service ${name}`);
  return s;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Maps one service's view of the world (its paths, names and ports) onto this machine. */
class Host {
  readonly ports = new Map<string, number>();
  constructor(readonly dir: string) {}

  text(name: string, value: string): string {
    const own = this.ports.get(`${name}:${value}`);
    if (own !== undefined) return String(own);
    let out = value.replace(/(?<![\w/])\/app(?=\/)/g, REPO.replace(/\/$/, ''));
    for (const mount of service(name).volumes ?? []) {
      const [volume = '', target = ''] = mount.split(':');
      out = out.replace(new RegExp(`(?<![\\w/])${escape(target)}(?=/|$|['"])`, 'g'), join(this.dir, volume));
    }
    for (const [from, port] of this.ports) {
      const [svc = '', containerPort = ''] = from.split(':');
      out = out.replace(new RegExp(`(?<=[/@])${escape(svc)}:${containerPort}\\b`, 'g'), `127.0.0.1:${port}`);
      if (svc === name) out = out.replaceAll(`127.0.0.1:${containerPort}`, `127.0.0.1:${port}`);
    }
    return out;
  }

  /** The service's process as argv: entrypoint (tini left out: it only forwards signals) and command. */
  argv(name: string): string[] {
    const s = service(name);
    const entry = [...(s.entrypoint ?? IMAGE_ENTRYPOINT)];
    if (entry[0]?.endsWith('/tini')) entry.splice(0, entry[1] === '--' ? 2 : 1);
    const names = Object.keys(compose.services);
    // A host name given as a service's name (`--public-host sandbox`) is that service's address.
    return [...entry, ...(s.command ?? [])].map((a, i, all) =>
      /host$/.test(all[i - 1] ?? '') && names.includes(a) ? '127.0.0.1' : this.text(name, a),
    );
  }

  env(name: string): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      HOME: this.dir,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      // The daemon's HTTP port in the container is the default 8080.
      ...(this.ports.has(`${name}:8080`) ? { GH2CC_PORT: String(this.ports.get(`${name}:8080`)) } : {}),
    };
    for (const [k, v] of Object.entries(service(name).environment ?? {})) env[k] = this.text(name, v);
    return env;
  }
}

interface Running {
  readonly child: ChildProcess;
  stderr(): string;
}

function start(argv: readonly string[], env: Record<string, string>, cwd: string): Running {
  const [command = '', ...args] = argv;
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  return { child, stderr: () => err };
}

function exitCode(argv: readonly string[], env: Record<string, string>, cwd: string): Promise<number | null> {
  const [command = '', ...args] = argv;
  return new Promise((resolve) => {
    spawn(command, args, { cwd, env, stdio: 'ignore' }).on('close', resolve);
  });
}

async function stop(p: Running | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** The pino lines a process wrote, parsed. */
function logLines(p: Running): Record<string, unknown>[] {
  return p
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('docker compose --profile sandbox up, without Docker', () => {
  let dir: string | undefined;
  let redis: RedisService | undefined;
  let sandbox: Running | undefined;
  let demo: Running | undefined;

  afterAll(async () => {
    await Promise.all([stop(demo), stop(sandbox)]);
    await redis?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('the sandbox comes up healthy, demo mirrors all of demo-org, and a push reaches CodeCommit by webhook', async () => {
    dir = await tempDir('gh2cc-compose-demo-');
    const host = new Host(dir);
    redis = await startRedis({ password: PASSWORD, appendonly: true });
    host.ports.set('redis:6379', redis.port);
    host.ports.set('moto:5000', Number(new URL(inject('motoUrl')).port));
    for (const p of ['sandbox:4010', 'sandbox:4011', 'demo:8080']) host.ports.set(p, await freePort());

    // sandbox, until its own health check passes (as demo's depends_on waits for).
    sandbox = start(host.argv('sandbox'), host.env('sandbox'), dir);
    const healthcheck = (service('sandbox').healthcheck?.test ?? [])
      .slice(1)
      .map((a) => host.text('sandbox', a));
    expect(healthcheck[0]).toBe('node');
    await eventually(
      async () => {
        if (sandbox?.child.exitCode !== null) throw new Error(`sandbox exited: ${sandbox?.stderr()}`);
        return (await exitCode(healthcheck, host.env('sandbox'), dir ?? '/')) === 0;
      },
      60_000,
      'the sandbox to be healthy',
    );

    // demo: the daemon reads the sandbox's env file through the shared volume.
    const argv = host.argv('demo');
    const envFile = argv.find((a) => a.startsWith('--env-file='))?.slice('--env-file='.length) ?? '';
    expect(existsSync(envFile)).toBe(true);
    const sandboxEnv = parseEnv(readFileSync(envFile, 'utf8'));
    expect(sandboxEnv['GITHUB_API_URL']).toBe(`http://127.0.0.1:${host.ports.get('sandbox:4010')}/api/v3`);
    demo = start(argv, host.env('demo'), dir);
    const running = demo;

    // Its first org reconcile queues every repository; each is mirrored.
    const reconciled = (): Record<string, unknown> | undefined =>
      logLines(running).find((l) => l['msg'] === 'reconcile done');
    const synced = (reason: string): Record<string, unknown>[] =>
      logLines(running).filter((l) => l['msg'] === 'sync done' && l['reason'] === reason);
    await eventually(
      () => {
        if (running.child.exitCode !== null) throw new Error(`demo exited: ${running.stderr()}`);
        const first = reconciled();
        return first !== undefined && new Set(synced('schedule').map((l) => l['repo'])).size === first['new'];
      },
      120_000,
      'demo to mirror demo-org',
    );
    expect(reconciled()?.['new']).toBeGreaterThan(5);

    // What a user would run next, with the same environment: both sides equal, ref by ref.
    const verify = [
      argv[0] ?? 'node',
      `--env-file=${envFile}`,
      join(REPO, 'bin/gh2cc.js'),
      'verify',
      '--org',
    ];
    expect(await exitCode([...verify, sandboxEnv['GH2CC_ORG'] ?? ''], host.env('demo'), dir)).toBe(0);

    // A push to the sandbox's GitHub reaches CodeCommit through the webhook demo-org sends to demo.
    const src = await makeRepo(1);
    const token = sandboxEnv['GITHUB_TOKEN'] ?? '';
    const helper = `!f() { echo username=x-access-token; echo password=${token}; }; f`;
    const repoUrl = `${(sandboxEnv['GITHUB_API_URL'] ?? '').replace(/\/api\/v3$/, '')}/demo-org/web-frontend.git`;
    const push = await gitWithHelper(src, helper, ['push', repoUrl, 'main:refs/heads/compose-demo']);
    expect(push.code, push.stderr).toBe(0);
    await eventually(
      () =>
        synced('webhook').some(
          (l) => l['repo'] === 'demo-org/web-frontend' && l['status'] === 'migrated' && l['refsPushed'] === 1,
        ),
      60_000,
      'the webhook-driven sync',
    );
    expect(await exitCode([...verify, sandboxEnv['GH2CC_ORG'] ?? ''], host.env('demo'), dir)).toBe(0);
  }, 240_000);
});
