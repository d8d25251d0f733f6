import { createServer, request, type RequestListener } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface RelayedRequest {
  readonly method: string;
  readonly path: string;
  /** The form or JSON body as sent (AWS query APIs such as STS send `Action=AssumeRole&…`). */
  readonly body: string;
}

export interface RecordingRelay {
  /** Where clients are pointed instead of the real endpoint (e.g. AWS_ENDPOINT_URL_STS). */
  readonly url: string;
  readonly requests: RelayedRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP endpoint (HTTPS with `tls`) that records each request, then passes it to `target` (moto) and its
 * answer back.
 */
export async function startRecordingRelay(
  target: string,
  tls?: { readonly key: string; readonly cert: string },
): Promise<RecordingRelay> {
  const upstream = new URL(target);
  const requests: RelayedRequest[] = [];
  const sockets = new Set<Socket>();
  const relay: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', path: req.url ?? '', body: body.toString('utf8') });
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  };
  const server = tls === undefined ? createServer(relay) : createTlsServer(tls, relay);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
