import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';

/** One request the proxy carried: a plain-HTTP request forwarded by absolute URL, or a CONNECT tunnel. */
export interface ProxiedRequest {
  readonly kind: 'forward' | 'connect';
  /** `host:port` of the target. */
  readonly target: string;
  /** Path and query of a forwarded request (a tunnel's are encrypted or unseen). */
  readonly path?: string;
  readonly proxyAuthorization?: string;
}

export interface ForwardProxy {
  /** `http://127.0.0.1:PORT`, what HTTP(S)_PROXY is set to. */
  readonly url: string;
  readonly seen: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * The smallest proxy a corporate network has: plain HTTP forwarded by absolute URL, and CONNECT tunnels (for
 * HTTPS, and for clients that tunnel plain HTTP too), recording the target of each. Nothing is cached.
 */
export async function startForwardProxy(): Promise<ForwardProxy> {
  const seen: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const note = (
    kind: ProxiedRequest['kind'],
    target: string,
    auth: string | undefined,
    path?: string,
  ): void => {
    seen.push({
      kind,
      target,
      ...(path === undefined ? {} : { path }),
      ...(auth === undefined ? {} : { proxyAuthorization: auth }),
    });
  };
  const server = createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('a proxy request names an absolute URL');
      return;
    }
    note('forward', target.host, req.headers['proxy-authorization'], `${target.pathname}${target.search}`);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    note('connect', target, req.headers['proxy-authorization']);
    const at = target.lastIndexOf(':');
    const upstream = connect(Number(target.slice(at + 1)), target.slice(0, at).replace(/^\[|\]$/g, ''));
    sockets.add(upstream);
    upstream.on('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
