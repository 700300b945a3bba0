import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from 'syncbridge/connector-kit';

/** A delivery as the receiver got it. */
export interface Received extends WebhookRequest {
  json: Record<string, unknown>;
}

/** A test HTTP server on 127.0.0.1 that records webhook deliveries and answers with `answer` (200 by default). */
export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Status to answer with, per delivery (called with the count so far, from 1). */
  answer: (n: number) => number;
  close(): Promise<void>;
}

/** Starts a {@link WebhookReceiver}. */
export async function startWebhookReceiver(path = '/hooks'): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    answer: () => 200,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(Buffer.from(body).toString('utf8')) as Record<string, unknown>;
      } catch {
        // kept empty: the test looks at the raw body
      }
      receiver.received.push({
        method: req.method ?? 'POST',
        url: new URL(req.url ?? '/', receiver.url).href,
        headers,
        body,
        json,
      });
      res.statusCode = receiver.answer(receiver.received.length);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}${path}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
