/** A real HTTP webhook receiver on 127.0.0.1 that records what arrives and answers as a test tells it to. */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly event: {
    id: string;
    sequence: number;
    type: string;
    occurredAt: string;
    organizationId: string;
    directoryId: string;
    data: Record<string, any>;
    previous?: Record<string, any>;
  };
  /** `Date.now()` when the request arrived. */
  readonly at: number;
  /** The status the receiver answered. */
  status: number;
}

/** Decides the answer to the n-th request (0-based) and may delay it. */
export type Responder = (r: Received, n: number) => number | Promise<number>;

export interface Receiver {
  readonly url: string;
  /** Every request, in arrival order, whatever the answer. */
  readonly received: Received[];
  /** Only the requests answered with a 2xx. */
  acknowledged(): Received[];
  /** Most requests one directory ever had open at once. */
  maxConcurrentPerDirectory(): number;
  /** Requests currently being answered. */
  inFlight(): number;
  respond(responder: Responder): void;
  waitFor(predicate: (r: Receiver) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(responder: Responder = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const open = new Map<string, number>();
  let maxOpen = 0;
  let inFlight = 0;
  let respond = responder;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    inFlight++;
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const r: Received = {
          headers: req.headers,
          rawBody,
          event: JSON.parse(rawBody),
          at: Date.now(),
          status: 0,
        };
        const dir = r.event.directoryId;
        open.set(dir, (open.get(dir) ?? 0) + 1);
        maxOpen = Math.max(maxOpen, open.get(dir)!);
        received.push(r);
        try {
          r.status = await respond(r, received.length - 1);
        } catch {
          r.status = 500;
        }
        open.set(dir, open.get(dir)! - 1);
        inFlight--;
        res.writeHead(r.status, { 'content-type': 'text/plain' }).end('ok');
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    acknowledged: () => received.filter((r) => r.status >= 200 && r.status < 300),
    maxConcurrentPerDirectory: () => maxOpen,
    inFlight: () => inFlight,
    respond(next) {
      respond = next;
    },
    async waitFor(predicate, timeoutMs = 15_000, what = 'the expected deliveries') {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receiver)) {
        if (Date.now() > deadline) {
          throw new Error(
            `timed out waiting for ${what}; received ${received.length}: ` +
              received.map((r) => `${r.event.sequence}:${r.event.type}:${r.status}`).join(' '),
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return receiver;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
