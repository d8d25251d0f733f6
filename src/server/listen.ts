import type { HttpServer } from './create-http-server.ts';

export interface ListenAddress {
  host: string;
  /** 0 picks any free port. */
  port: number;
}

/**
 * Starts listening and returns the base URL, e.g. `http://127.0.0.1:8080`. For `0.0.0.0` fastify
 * answers with a loopback address first, which is the one a log line or a test can use.
 */
export function listen(app: HttpServer, address: ListenAddress): Promise<string> {
  return app.listen({ host: address.host, port: address.port });
}
