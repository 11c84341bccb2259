/**
 * Webhook delivery benchmark: Roster as its own process (`roster serve`) on the embedded PostgreSQL, a receiver
 * in this process on 127.0.0.1, and SCIM writes (`POST /Users`, one `user.created` event each) over loopback.
 * Two runs: writes paced at BENCH_RATE per second (default 500) for BENCH_SECONDS (default 15), then unthrottled
 * writes at concurrency 32 for the same time. Reported per run: writes/s, events/s delivered (first write to
 * last delivery), and the delay from commit to delivery at p50/p99/max, measured as receive time minus the
 * event's `occurredAt` (the writing transaction's start: an upper bound, it includes the write itself), and
 * from the 201 reaching the client (after commit: a lower bound, negative when delivery wins). Writes go to
 * BENCH_DIRECTORIES directories (default 1: the strictest case, one ordered stream) round-robin.
 *
 *   npm run bench -- webhooks
 *   BENCH_RATE=500 BENCH_SECONDS=20 BENCH_DIRECTORIES=4 npm run bench -- webhooks
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createLogger } from '../src/shared/logger.js';
import { type Target, call, expectStatus, setUp } from './scim-bench.js';
import { writeResults } from './support.js';

/** A port the OS just handed out (random picks can land on a port in use). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const DIRECTORIES = Number(process.env.BENCH_DIRECTORIES ?? 1);
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

interface Receiver {
  url: string;
  delays: number[];
  /** When each user's event arrived (performance.now()), by userName. */
  arrivals: Map<string, number>;
  count(): number;
  lastAt(): number;
  reset(): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let delays: number[] = [];
  let arrivals = new Map<string, number>();
  let last = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const event = JSON.parse(Buffer.concat(chunks).toString()) as {
        occurredAt: string;
        data: { userName?: string };
      };
      delays.push(at - Date.parse(event.occurredAt));
      last = performance.now();
      if (event.data.userName) arrivals.set(event.data.userName, last);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    get delays() {
      return delays;
    },
    get arrivals() {
      return arrivals;
    },
    count: () => delays.length,
    lastAt: () => last,
    reset: () => {
      delays = [];
      arrivals = new Map();
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

export async function webhookBench(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'roster-webhook-bench-'));
  chmodSync(scratch, 0o755);
  const port = await freePort();
  const db = await startEmbeddedPostgres({
    dataDir: scratch,
    database: 'roster',
    log: createLogger('warn'),
    loopbackPort: port,
  });
  const adminKey = `rst_admin_${randomBytes(32).toString('base64url')}`;
  const httpPort = await freePort();
  const receiver = await startReceiver();
  let server: ChildProcess | undefined;
  try {
    server = spawn(process.execPath, ['bin/roster.js', 'serve'], {
      env: {
        PATH: process.env.PATH,
        PORT: String(httpPort),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/roster`,
        ROSTER_BOOTSTRAP_ADMIN_KEY: adminKey,
        ROSTER_RATE_LIMIT_PER_SECOND: '0',
        ROSTER_ALLOW_PRIVATE_WEBHOOKS: 'true',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const first = await setUp(httpPort, adminKey);
    const targets: Target[] = [first];
    const organizationId = await organizationOf(httpPort, adminKey, first);
    for (let i = 1; i < DIRECTORIES; i++)
      targets.push(await addDirectory(httpPort, adminKey, organizationId));
    // BENCH_BASELINE=1: the same writes with no webhook, to show what delivery costs the write path.
    const baseline = process.env.BENCH_BASELINE === '1';
    const hook = baseline
      ? new Response(null, { status: 201 })
      : await fetch(`http://127.0.0.1:${httpPort}/api/v1/webhooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url: receiver.url, organizationId }),
        });
    if (hook.status !== 201) throw new Error(`webhook create: ${hook.status} ${await hook.text()}`);

    // Warm-up: JIT, pools, keep-alive sockets.
    await run(baseline, 'warm-up', targets, receiver, { rate: 200, seconds: 2, concurrency: 32 });
    const runs = [
      await run(baseline, `${RATE}/s paced`, targets, receiver, {
        rate: RATE,
        seconds: SECONDS,
        concurrency: 64,
      }),
      await run(baseline, 'unthrottled, concurrency 32', targets, receiver, {
        rate: Infinity,
        seconds: SECONDS,
        concurrency: 32,
      }),
    ];
    writeResults(baseline ? 'webhooks-baseline' : 'webhooks', {
      baseline,
      directories: DIRECTORIES,
      seconds: SECONDS,
      targetRate: RATE,
      runs,
    });
  } finally {
    server?.kill('SIGTERM');
    if (server) await once(server, 'exit');
    await receiver.close();
    await db.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function run(
  baseline: boolean,
  name: string,
  targets: Target[],
  receiver: Receiver,
  o: { rate: number; seconds: number; concurrency: number },
) {
  receiver.reset();
  let issued = 0;
  let ok = 0;
  let errors = 0;
  let open = 0;
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  const write = async (i: number) => {
    open++;
    try {
      const t = targets[i % targets.length]!;
      const userName = `${name.replace(/\W+/g, '-')}-${i}@example.com`;
      await expectStatus(call(t, 'POST', '/Users', { schemas: [USER], userName, active: true }), 201);
      acknowledged.set(userName, performance.now());
      ok++;
    } catch (error) {
      if (++errors <= 3) console.error(`${name}: ${String(error)}`);
    } finally {
      open--;
    }
  };
  const inflight = new Set<Promise<void>>();
  const acknowledged = new Map<string, number>();
  while (performance.now() < end) {
    const due = o.rate === Infinity ? Infinity : Math.floor(((performance.now() - t0) / 1000) * o.rate);
    while (issued < due && open < o.concurrency) {
      const p = write(issued++);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    if (o.rate === Infinity) await Promise.race(inflight);
    else await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inflight);
  const writeSeconds = (performance.now() - t0) / 1000;
  const drainDeadline = performance.now() + 120_000;
  while (!baseline && receiver.count() < ok && performance.now() < drainDeadline)
    await new Promise((r) => setTimeout(r, 20));
  const deliverySeconds = (receiver.lastAt() - t0) / 1000;
  const delays = [...receiver.delays].sort((a, b) => a - b);
  const pct = (p: number, sorted = delays) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
  // The lower bound: from the 201 reaching the client (after commit) to the delivery; negative when the
  // delivery won the race against the response.
  const afterResponse = [...acknowledged]
    .map(([userName, at]) => (receiver.arrivals.get(userName) ?? NaN) - at)
    .filter((d) => !Number.isNaN(d))
    .sort((a, b) => a - b);
  const result = {
    name,
    writes: ok,
    writeErrors: errors,
    writesPerSecond: Math.round(ok / writeSeconds),
    delivered: receiver.count(),
    deliveredPerSecond: Math.round(receiver.count() / deliverySeconds),
    delayP50Ms: pct(0.5),
    delayP99Ms: pct(0.99),
    delayMaxMs: delays.at(-1) ?? 0,
    afterResponseP50Ms: pct(0.5, afterResponse),
    afterResponseP99Ms: pct(0.99, afterResponse),
  };
  console.log(
    `${name.padEnd(30)} writes ${result.writesPerSecond}/s (${ok} ok, ${errors} errors)  delivered ${result.delivered} at ${result.deliveredPerSecond}/s` +
      `\n${''.padEnd(30)} occurredAt->delivery p50 ${result.delayP50Ms} ms  p99 ${result.delayP99Ms} ms  max ${result.delayMaxMs} ms` +
      `;  201->delivery p50 ${result.afterResponseP50Ms} ms  p99 ${result.afterResponseP99Ms} ms`,
  );
  return result;
}

async function organizationOf(httpPort: number, key: string, t: Target): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/directories/${t.base.split('/').at(-1)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return ((await res.json()) as { organizationId: string }).organizationId;
}

async function addDirectory(httpPort: number, key: string, organizationId: string): Promise<Target> {
  const post = async (pathname: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1${pathname}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, string>;
  };
  const dir = await post(`/organizations/${organizationId}/directories`, {
    name: 'bench',
    provider: 'entra',
  });
  const token = await post(`/directories/${dir.id}/tokens`, {});
  return { port: httpPort, base: `/scim/v2/${dir.id}`, token: token.token! };
}
