/**
 * At-least-once across a crash: the real `roster serve` is killed with SIGKILL while a delivery is in flight
 * (the receiver holds its 2xx back), then started again on the same database. Every event must arrive, and per
 * directory the first arrival of each sequence must be in order, with no sequence skipped ahead of.
 */
import { afterEach, expect, inject, test } from 'vitest';
import { execute, withDatabase } from '../support/database-url.js';
import { USER_SCHEMA } from '../support/scim-client.js';
import { type ServerProcess, freePort, spawnServer } from '../support/server-process.js';
import { http, newAdminKeySecret } from '../support/test-app.js';
import { type Receiver, startReceiver, sleep } from '../support/webhook-receiver.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function emptyDatabase(): Promise<string> {
  const base = inject('databaseUrl');
  const name = `roster_w_${Math.random().toString(36).slice(2, 10)}_${inject('templateDatabase').slice(11)}`;
  await execute(base, `create database ${name}`);
  cleanups.push(async () => {
    await execute(base, `drop database if exists ${name} with (force)`);
  });
  return withDatabase(base, name);
}

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer(env, await freePort());
  cleanups.push(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      process.kill(-server.child.pid!, 'SIGKILL');
      await server.exited;
    }
  });
  return server;
}

/** Checks at-least-once, in order: first arrivals are 1..n, and nothing ever jumps past the next undelivered. */
function expectInOrder(r: Receiver, directoryId: string, n: number) {
  const seen = r.acknowledged().filter((x) => x.event.directoryId === directoryId);
  const firsts: number[] = [];
  // Sequence 1 is the directory's `directory.activated`, committed before the webhook existed.
  let max = 1;
  for (const { event } of seen) {
    expect(event.sequence).toBeLessThanOrEqual(max + 1);
    if (event.sequence > max) firsts.push(event.sequence);
    max = Math.max(max, event.sequence);
  }
  expect(firsts).toEqual(Array.from({ length: n }, (_, i) => i + 2));
}

test('kill -9 mid-delivery, restart: every event is delivered at least once, in order per directory', async () => {
  const url = await emptyDatabase();
  const key = newAdminKeySecret();
  const env = {
    DATABASE_URL: url,
    ROSTER_BOOTSTRAP_ADMIN_KEY: key,
    ROSTER_ALLOW_PRIVATE_WEBHOOKS: 'true',
    ROSTER_RATE_LIMIT_PER_SECOND: '0',
    LOG_LEVEL: 'warn',
  };
  const receiver = await startReceiver(async () => {
    await sleep(40);
    return 200;
  });
  cleanups.push(() => receiver.close());
  const first = await start(env);
  const post = (path: string, body: unknown, bearer = key) =>
    http(`${first.url}${path}`, { method: 'POST', key: bearer, body });
  const org = await post('/api/v1/organizations', { name: 'Crash' });
  const directories: { id: string; token: string }[] = [];
  for (const name of ['a', 'b']) {
    const dir = await post(`/api/v1/organizations/${org.body.id}/directories`, { name, provider: 'generic' });
    const token = await post(`/api/v1/directories/${dir.body.id}/tokens`, {});
    directories.push({ id: dir.body.id, token: token.body.token });
  }
  const hook = await post('/api/v1/webhooks', { url: receiver.url, organizationId: org.body.id });
  expect(hook.status, hook.text).toBe(201);

  const n = 40;
  await Promise.all(
    directories.map(async (d) => {
      for (let i = 0; i < n; i++) {
        const res = await http(`${first.url}/scim/v2/${d.id}/Users`, {
          method: 'POST',
          key: d.token,
          headers: { 'content-type': 'application/scim+json' },
          body: { schemas: [USER_SCHEMA], userName: `u${i}-${d.id.slice(0, 4)}@example.com`, active: true },
        });
        expect(res.status, res.text).toBe(201);
      }
    }),
  );
  // Kill while a request is open at the receiver and deliveries are only part way through.
  await receiver.waitFor((r) => r.acknowledged().length >= 10 && r.inFlight() > 0, 20_000);
  process.kill(-first.child.pid!, 'SIGKILL');
  // Requests still open at the kill: Roster never saw their 2xx, so they must come again.
  const unanswered = receiver.received.filter((x) => x.status === 0).map((x) => x.event.id);
  expect(unanswered.length).toBeGreaterThan(0);
  await first.exited;
  const beforeRestart = receiver.received.length;
  expect(receiver.acknowledged().length).toBeLessThan(2 * n);

  await start(env);
  await receiver.waitFor(
    (r) =>
      directories.every((d) =>
        r.acknowledged().some((x) => x.event.directoryId === d.id && x.event.sequence === n + 1),
      ),
    30_000,
    'every event after the restart',
  );
  for (const d of directories) expectInOrder(receiver, d.id, n);
  const ids = new Set(receiver.acknowledged().map((x) => x.event.id));
  expect(ids.size).toBe(2 * n);
  const again = receiver.received.slice(beforeRestart).map((x) => x.event.id);
  for (const id of unanswered) expect(again).toContain(id);
});
