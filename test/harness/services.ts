import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A free TCP port on loopback (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function requireBinary(name: string, install: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(`${name} is not installed; the tests need it. Install it with: ${install}`);
  }
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  child: ChildProcess,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited early with code ${child.exitCode}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
  });
}

export interface Service {
  readonly url: string;
  readonly port: number;
  /** The server's data directory, for services that have one. */
  readonly dir?: string;
  stop(): Promise<void>;
  /** Sends `signal` and waits for the process to exit; `stop` still cleans up afterwards. */
  kill?(signal: NodeJS.Signals): Promise<void>;
}

export interface RedisService extends Service {
  readonly dir: string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface RedisServerOptions {
  /** Listen here instead of a free port, e.g. to restart a killed server where its clients expect it. */
  port?: number;
  /** Data directory; by default a fresh temporary one, removed by `stop`. */
  dir?: string;
  /** Log every write to an fsynced append-only file, so the data survives SIGKILL. */
  appendonly?: boolean;
  /** Require this password (`--requirepass`). */
  password?: string;
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  const exited = waitExit(child);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }
  return exited;
}

function killChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = waitExit(child);
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exited;
}

function requireRedis(): void {
  requireBinary('redis-server', 'sudo apt-get install -y redis-server redis-tools');
}

/**
 * A private redis-server for one test run. By default on a free port, persisting nothing; with `appendonly` it
 * fsyncs every write, so a test can SIGKILL it and start it again on the same `port` and `dir`.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisService> {
  requireRedis();
  const port = options.port ?? (await freePort());
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'gh2cc-redis-')));
  const persistence = options.appendonly
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const auth = options.password === undefined ? [] : ['--requirepass', options.password];
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      ...persistence,
      ...auth,
      '--dir',
      dir,
      '--logfile',
      '',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(() => tcpOpen(port), 'redis-server', child);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill: (signal) => killChild(child, signal),
    async stop() {
      await stopChild(child);
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisCluster {
  /** One `redis://127.0.0.1:PORT` per node. */
  readonly urls: string[];
  /** The seed list as gh2cc's `redis.url` takes it in cluster mode: the node URLs comma-joined. */
  readonly url: string;
  stop(): Promise<void>;
}

async function clusterStateOk(port: number): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync('redis-cli', ['-p', String(port), 'cluster', 'info']);
    return /^cluster_state:ok\r?$/m.test(stdout);
  } catch {
    return false;
  }
}

/**
 * Three master nodes of a private Redis Cluster (no replicas, nothing persisted), every slot assigned and
 * every node reporting `cluster_state:ok` before this resolves.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  requireRedis();
  requireBinary('redis-cli', 'sudo apt-get install -y redis-server redis-tools');
  const dir = await mkdtemp(join(tmpdir(), 'gh2cc-redis-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => stopChild(c)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      // The previous node may not have bound its port yet, so freePort could hand out the same number again.
      let port = await freePort();
      while (ports.includes(port)) port = await freePort();
      ports.push(port);
      const nodeDir = join(dir, String(port));
      await mkdir(nodeDir);
      children.push(
        spawn(
          'redis-server',
          [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            nodeDir,
            '--logfile',
            '',
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    await Promise.all(children.map((c, i) => waitFor(() => tcpOpen(ports[i] ?? 0), 'redis-server', c)));
    await execFileAsync('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    // Every node, not only the first: a client may ask any of them for the slot map.
    await Promise.all(
      children.map((c, i) => waitFor(() => clusterStateOk(ports[i] ?? 0), 'redis cluster', c)),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const urls = ports.map((p) => `redis://127.0.0.1:${p}`);
  return { urls, url: urls.join(','), stop };
}

/** moto_server (IAM, SNS, SQS, STS) on a free port. */
export async function startMoto(): Promise<Service> {
  requireBinary('python3', 'sudo apt-get install -y python3');
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      "moto is not installed for python3; install it with: python3 -m pip install 'moto[server]'",
    );
  }
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      try {
        const res = await fetch(`${url}/moto-api/`);
        await res.arrayBuffer();
        return res.ok;
      } catch {
        return false;
      }
    },
    'moto_server',
    child,
  );
  return { url, port, stop: () => stopChild(child) };
}
