import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';

export interface ReceivedDelivery {
  readonly event: string;
  readonly delivery: string;
  readonly action: string | undefined;
  /** Whether `X-Hub-Signature-256` matches the body under the secret. */
  readonly signatureValid: boolean;
  readonly body: Record<string, unknown>;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedDelivery[];
  /** Removes and returns the first delivery of `event` (and `action`), waiting up to `timeoutMs` for it. */
  take(event: string, action?: string, timeoutMs?: number): Promise<ReceivedDelivery>;
  close(): Promise<void>;
}

/**
 * A plain HTTP server standing in for a webhook consumer: records every delivery with whether its signature
 * verifies under `secret` (read at delivery time, so it may come from a sandbox started afterwards).
 */
export async function startWebhookReceiver(secret: () => string): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  let waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      void verify(secret(), text, String(req.headers['x-hub-signature-256'])).then((signatureValid) => {
        const body = JSON.parse(text) as Record<string, unknown>;
        received.push({
          event: String(req.headers['x-github-event']),
          delivery: String(req.headers['x-github-delivery']),
          action: typeof body['action'] === 'string' ? body['action'] : undefined,
          signatureValid,
          body,
        });
        res.writeHead(204).end();
        for (const w of waiters) w();
        waiters = [];
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks/github`,
    received,
    async take(event, action, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = received.findIndex(
          (r) => r.event === event && (action === undefined || r.action === action),
        );
        if (i >= 0) return received.splice(i, 1)[0] as ReceivedDelivery;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${event} ${action ?? ''} delivery within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          const timer = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(timer);
            r();
          });
        });
      }
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
