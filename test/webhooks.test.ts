/**
 * Webhooks end to end: the admin API, and deliveries from SCIM writes to real receivers on 127.0.0.1, against
 * real PostgreSQL. The app's clock is injectable: retry delays and the 72-hour window pass by moving it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { query, sql } from '../src/db/database.js';
import { recordProgress } from '../src/db/webhook-delivery-store.js';
import type { DirectoryId, OrganizationId, WebhookId } from '../src/shared/ids.js';
import { verifyRosterSignature } from '../src/index.js';
import { WebhookSender } from '../src/webhooks/webhook-sender.js';
import { USER_SCHEMA, scimClient } from './support/scim-client.js';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';
import { type Receiver, startReceiver, sleep } from './support/webhook-receiver.js';

let t: TestApp;
let offsetMs = 0;
const now = () => new Date(Date.now() + offsetMs);
const receivers: Receiver[] = [];

beforeAll(async () => {
  t = await startTestApp(
    {
      ROSTER_ALLOW_PRIVATE_WEBHOOKS: 'true',
      ROSTER_WEBHOOK_SWEEP_MS: '100',
      ROSTER_RATE_LIMIT_PER_SECOND: '0',
    },
    undefined,
    undefined,
    { now },
  );
});
afterAll(async () => {
  await t.close();
  for (const r of receivers) await r.close();
});

const api = (method: string, path: string, body?: unknown, key = t.adminKey) =>
  http(`${t.url}/api/v1${path}`, { method, key, ...(body === undefined ? {} : { body }) });

async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

async function tenant() {
  const x = await createTenant(t);
  return { ...x, scim: scimClient(t.url, x.directoryId, x.token) };
}

async function webhook(body: Record<string, unknown>, key = t.adminKey) {
  const res = await api('POST', '/webhooks', body, key);
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; secret: string; state: string; url: string };
}

async function createUser(scim: ReturnType<typeof scimClient>, userName: string): Promise<string> {
  const res = await scim.post('/Users', {
    schemas: [USER_SCHEMA],
    userName,
    emails: [{ value: userName, primary: true }],
    active: true,
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

async function orgKey(organizationId: string, scopes?: string[]) {
  const res = await api('POST', '/admin-keys', { organizationId, ...(scopes ? { scopes } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body.key as string;
}

const sequences = (r: Receiver, directoryId: string) =>
  r
    .acknowledged()
    .filter((x) => x.event.directoryId === directoryId)
    .map((x) => x.event.sequence);

describe('admin API', () => {
  test('create shows the secret once; read, list, change and delete; every change is audited', async () => {
    const { organizationId } = await tenant();
    const created = await webhook({
      url: 'http://127.0.0.1:9/hook',
      organizationId,
      eventTypes: ['user.created', 'user.deleted'],
    });
    expect(created.secret).toMatch(/^rst_whsec_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      organizationId,
      state: 'active',
      eventTypes: ['user.created', 'user.deleted'],
    });

    const read = await api('GET', `/webhooks/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain(created.secret);

    const list = await api('GET', `/webhooks?organizationId=${organizationId}`);
    expect(list.body.data.map((w: { id: string }) => w.id)).toEqual([created.id]);

    const changed = await api('PATCH', `/webhooks/${created.id}`, { eventTypes: [], state: 'disabled' });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ eventTypes: [], state: 'disabled' });

    expect((await api('DELETE', `/webhooks/${created.id}`)).status).toBe(204);
    expect((await api('GET', `/webhooks/${created.id}`)).status).toBe(404);

    const audit = await api('GET', `/audit-log?organizationId=${organizationId}&limit=200`);
    const actions = audit.body.data.filter((e: { targetId: string }) => e.targetId === created.id);
    expect(actions.map((e: { action: string }) => e.action)).toEqual([
      'webhook.created',
      'webhook.updated',
      'webhook.deleted',
    ]);
    expect(JSON.stringify(actions)).not.toContain(created.secret);
  });

  test.each([
    [{ url: 'ftp://example.com/x' }, 'url_refused'],
    [{ url: 'http://user:pw@127.0.0.1/x' }, 'url_refused'],
    [{ url: 'not a url' }, 'url_refused'],
    [{ url: 'http://127.0.0.1/x', eventTypes: ['user.exploded'] }, 'validation_failed'],
    [{ url: 'http://127.0.0.1/x', extra: 1 }, 'validation_failed'],
    [{}, 'validation_failed'],
  ])('refuses %j with %s', async (body, code) => {
    const res = await api('POST', '/webhooks', body);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe(code);
  });

  test('organization keys: own webhooks only, no platform-wide ones, other organizations are 404', async () => {
    const a = await tenant();
    const b = await tenant();
    const keyA = await orgKey(a.organizationId);
    const readOnlyA = await orgKey(a.organizationId, ['admin:read']);
    const platform = await webhook({ url: 'http://127.0.0.1:9/p' });
    const ofB = await webhook({ url: 'http://127.0.0.1:9/b', organizationId: b.organizationId });

    const refused = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/x' }, keyA);
    expect(refused.status).toBe(403);
    expect(
      (
        await api(
          'POST',
          '/webhooks',
          { url: 'http://127.0.0.1:9/x', organizationId: b.organizationId },
          keyA,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await api(
          'POST',
          '/webhooks',
          { url: 'http://127.0.0.1:9/x', organizationId: a.organizationId },
          readOnlyA,
        )
      ).status,
    ).toBe(403);
    const own = await webhook({ url: 'http://127.0.0.1:9/a', organizationId: a.organizationId }, keyA);

    for (const other of [platform.id, ofB.id]) {
      expect((await api('GET', `/webhooks/${other}`, undefined, keyA)).status).toBe(404);
      expect((await api('PATCH', `/webhooks/${other}`, { state: 'disabled' }, keyA)).status).toBe(404);
      expect((await api('POST', `/webhooks/${other}/rotate-secret`, {}, keyA)).status).toBe(404);
      expect((await api('GET', `/webhooks/${other}/deliveries`, undefined, keyA)).status).toBe(404);
      expect((await api('DELETE', `/webhooks/${other}`, undefined, keyA)).status).toBe(404);
    }
    const replayOther = await api(
      'POST',
      `/webhooks/${own.id}/replay`,
      { directoryId: b.directoryId, fromSequence: 1 },
      keyA,
    );
    expect(replayOther.status).toBe(404);
    const listed = await api('GET', '/webhooks', undefined, keyA);
    expect(listed.body.data.map((w: { id: string }) => w.id)).toEqual([own.id]);
    expect((await api('GET', `/webhooks?organizationId=${b.organizationId}`, undefined, keyA)).status).toBe(
      404,
    );
    for (const id of [platform.id, ofB.id, own.id]) await api('DELETE', `/webhooks/${id}`);
  });
});

describe('SSRF', () => {
  test('with ROSTER_ALLOW_PRIVATE_WEBHOOKS off, loopback, private and link-local targets are refused', async () => {
    const strict = await startTestApp({});
    try {
      for (const url of [
        'http://127.0.0.1:8080/hook',
        'http://localhost/hook',
        'http://[::1]/hook',
        'http://[::ffff:127.0.0.1]/hook',
        'http://10.0.0.8/hook',
        'http://192.168.1.10/hook',
        'http://169.254.169.254/latest/meta-data',
        'http://100.64.0.1/hook',
        'http://0.0.0.0/hook',
      ]) {
        const res = await http(`${strict.url}/api/v1/webhooks`, {
          method: 'POST',
          key: strict.adminKey,
          body: { url },
        });
        expect(res.status, url).toBe(400);
        expect(res.body.error.code).toBe('url_refused');
      }
    } finally {
      await strict.close();
    }
  });

  test('the check is repeated when connecting: a name that resolves to loopback is not contacted', async () => {
    const r = await receiver();
    const port = new URL(r.url).port;
    const sender = new WebhookSender({ timeoutMs: 2000, allowPrivate: false, maxSockets: 1 });
    try {
      for (const url of [`http://localhost:${port}/hook`, `http://127.0.0.1:${port}/hook`]) {
        const result = await sender.send(url, '{}', {});
        expect(result.ok).toBe(false);
        expect(result.statusCode).toBeNull();
        expect(result.error).toContain('refused');
      }
      expect(r.received).toHaveLength(0);
    } finally {
      sender.close();
    }
  });
});

describe('delivery', () => {
  test('each delivery is the event envelope, signed, with the documented headers', async () => {
    const r = await receiver();
    const { organizationId, directoryId, scim } = await tenant();
    const hook = await webhook({ url: r.url, organizationId });
    await createUser(scim, 'sig@example.com');
    await r.waitFor((x) => x.acknowledged().length === 1);
    const [got] = r.received;
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['user-agent']).toBe('Roster-Webhooks/1');
    expect(got!.headers['roster-event-id']).toBe(got!.event.id);
    expect(got!.headers['roster-event-type']).toBe('user.created');
    const signature = got!.headers['roster-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyRosterSignature(hook.secret, signature, got!.rawBody)).toBe(true);
    expect(verifyRosterSignature(hook.secret, signature, got!.rawBody.replace('sig@', 'sIg@'))).toBe(false);
    expect(verifyRosterSignature(`${hook.secret}x`, signature, got!.rawBody)).toBe(false);

    const events = await api('GET', `/events?directoryId=${directoryId}`);
    // Sequence 1 is the directory's own `directory.activated`, from before the webhook existed.
    expect(got!.event).toEqual(events.body.data[1]);
  });

  test('event-type filters: only matching events are delivered, the rest advance the position', async () => {
    const r = await receiver();
    const { organizationId, directoryId, scim } = await tenant();
    const hook = await webhook({ url: r.url, organizationId, eventTypes: ['user.deleted'] });
    const id = await createUser(scim, 'filter@example.com');
    await createUser(scim, 'filter2@example.com');
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    await r.waitFor((x) => x.acknowledged().length === 1);
    await sleep(300);
    expect(r.received.map((x) => x.event.type)).toEqual(['user.deleted']);
    expect(r.received[0]!.event.sequence).toBe(4);
    const positions = await api('GET', `/webhooks/${hook.id}/positions`);
    expect(positions.body.data).toEqual([expect.objectContaining({ directoryId, deliveredSequence: 4 })]);
  });

  test('per directory in order, one in flight at a time; directories do not wait for each other', async () => {
    // Directory A's receiver is slow; B's events must not queue behind A's.
    const r = await receiver(async (x) => {
      await sleep(x.event.data.userName?.startsWith('slow') ? 60 : Math.random() * 5);
      return 200;
    });
    const a = await tenant();
    // A second directory in the same organization.
    const dirB = await api('POST', `/organizations/${a.organizationId}/directories`, {
      name: 'b',
      provider: 'generic',
    });
    const tokenB = await api('POST', `/directories/${dirB.body.id}/tokens`, {});
    const scimB = scimClient(t.url, dirB.body.id, tokenB.body.token);
    await webhook({ url: r.url, organizationId: a.organizationId });
    const n = 15;
    await Promise.all([
      (async () => {
        for (let i = 0; i < n; i++) await createUser(a.scim, `slow${i}@example.com`);
      })(),
      (async () => {
        for (let i = 0; i < n; i++) await createUser(scimB, `fast${i}@example.com`);
      })(),
    ]);
    await r.waitFor((x) => x.acknowledged().length === 2 * n, 20_000);
    // Sequence 1 (`directory.activated`) predates the webhook.
    const expected = Array.from({ length: n }, (_, i) => i + 2);
    expect(sequences(r, a.directoryId)).toEqual(expected);
    expect(sequences(r, dirB.body.id)).toEqual(expected);
    expect(r.maxConcurrentPerDirectory()).toBe(1);
    // B finished long before A: it was not serialised behind A's slow receiver.
    const lastB = r.received.filter((x) => x.event.directoryId === dirB.body.id).at(-1)!.at;
    const lastA = r.received.filter((x) => x.event.directoryId === a.directoryId).at(-1)!.at;
    expect(lastB).toBeLessThan(lastA);
  });

  test('a platform-wide webhook receives every organization’s events', async () => {
    const r = await receiver();
    const hook = await webhook({ url: r.url });
    const a = await tenant();
    const b = await tenant();
    await createUser(a.scim, 'pa@example.com');
    await createUser(b.scim, 'pb@example.com');
    await r.waitFor(
      (x) =>
        x.acknowledged().some((e) => e.event.organizationId === a.organizationId) &&
        x.acknowledged().some((e) => e.event.organizationId === b.organizationId),
    );
    expect((await api('DELETE', `/webhooks/${hook.id}`)).status).toBe(204);
  });
});

describe('retries, failing state, enable and replay', () => {
  /** Moves the app's clock past any retry delay until `done`, polling the receiver. */
  async function advanceUntil(done: () => boolean | Promise<boolean>, stepMs: number, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error('timed out advancing the clock');
      offsetMs += stepMs;
      await sleep(120);
    }
  }

  test('a receiver that fails three times then recovers gets every event, in order; attempts are listed', async () => {
    const r = await receiver((_x, n) => (n < 3 ? 500 : 200));
    const { organizationId, directoryId, scim } = await tenant();
    const hook = await webhook({ url: r.url, organizationId });
    await createUser(scim, 'retry1@example.com');
    await createUser(scim, 'retry2@example.com');
    await r.waitFor((x) => x.received.length === 1);
    // The first retry is due within 30 s: not before 5 s, and nothing else is sent meanwhile.
    await sleep(400);
    expect(r.received).toHaveLength(1);
    offsetMs += 30_000;
    await r.waitFor((x) => x.received.length === 2, 5_000, 'the first retry');
    await advanceUntil(() => r.acknowledged().length === 2, 60_000);
    expect(r.received.map((x) => [x.event.sequence, x.status])).toEqual([
      [2, 500],
      [2, 500],
      [2, 500],
      [2, 200],
      [3, 200],
    ]);
    const attempts = await api('GET', `/webhooks/${hook.id}/deliveries?limit=3`);
    expect(attempts.status, attempts.text).toBe(200);
    expect(attempts.body.data.map((a: any) => [a.sequence, a.attempt, a.statusCode])).toEqual([
      [3, 1, 200],
      [2, 4, 200],
      [2, 3, 500],
    ]);
    expect(attempts.body.data[2]).toMatchObject({
      directoryId,
      error: 'HTTP 500',
      eventType: 'user.created',
    });
    expect(typeof attempts.body.data[2].latencyMs).toBe('number');
    const rest = await api(
      'GET',
      `/webhooks/${hook.id}/deliveries?limit=3&cursor=${attempts.body.nextCursor}`,
    );
    expect(rest.body.data.map((a: any) => [a.sequence, a.attempt])).toEqual([
      [2, 2],
      [2, 1],
    ]);
    expect(rest.body.nextCursor).toBeUndefined();
  });

  test('after 72 hours of failure the webhook is failing and its events wait; enable delivers them all', async () => {
    const r = await receiver(() => 503);
    const { organizationId, directoryId, scim } = await tenant();
    const hook = await webhook({ url: r.url, organizationId });
    await createUser(scim, 'down1@example.com');
    await r.waitFor((x) => x.received.length === 1);
    const state = async () => (await api('GET', `/webhooks/${hook.id}`)).body.state as string;
    const started = offsetMs;
    await advanceUntil(async () => (await state()) === 'failing', 3 * 3_600_000, 30_000);
    expect(offsetMs - started).toBeGreaterThanOrEqual(72 * 3_600_000);
    const tries = r.received.length;
    expect(tries).toBeGreaterThan(5);

    await createUser(scim, 'down2@example.com');
    offsetMs += 3_600_000 * 5;
    await sleep(500);
    expect(r.received).toHaveLength(tries); // failing: nothing is attempted
    const failing = await api('GET', `/webhooks/${hook.id}`);
    expect(failing.body.failingSince).not.toBeNull();

    r.respond(() => 200);
    const enabled = await api('POST', `/webhooks/${hook.id}/enable`);
    expect(enabled.body).toMatchObject({ state: 'active', failingSince: null });
    await r.waitFor((x) => x.acknowledged().length === 2, 5_000);
    expect(sequences(r, directoryId)).toEqual([2, 3]);
    const audit = await api('GET', `/audit-log?organizationId=${organizationId}&limit=200`);
    const actions = audit.body.data.filter((e: any) => e.targetId === hook.id).map((e: any) => e.action);
    expect(actions).toEqual(['webhook.created', 'webhook.failing', 'webhook.enabled']);
  });

  test('replay from a sequence sends that event and everything after it again', async () => {
    const r = await receiver();
    const { organizationId, directoryId, scim } = await tenant();
    const hook = await webhook({ url: r.url, organizationId });
    for (let i = 0; i < 3; i++) await createUser(scim, `replay${i}@example.com`);
    await r.waitFor((x) => x.acknowledged().length === 3);
    const replay = await api('POST', `/webhooks/${hook.id}/replay`, { directoryId, fromSequence: 3 });
    expect(replay.status, replay.text).toBe(200);
    expect(replay.body).toMatchObject({ directoryId, deliveredSequence: 2 });
    await r.waitFor((x) => x.acknowledged().length === 5);
    expect(sequences(r, directoryId)).toEqual([2, 3, 4, 3, 4]);
  });
});

describe('several nodes', () => {
  test('two nodes on one database deliver each directory in order, one in flight, nothing lost', async () => {
    const second = await startTestApp(
      {
        // The same bootstrap key: a different one would revoke the first node's.
        ROSTER_BOOTSTRAP_ADMIN_KEY: t.adminKey,
        ROSTER_ALLOW_PRIVATE_WEBHOOKS: 'true',
        ROSTER_WEBHOOK_SWEEP_MS: '100',
        ROSTER_RATE_LIMIT_PER_SECOND: '0',
      },
      t.db,
      undefined,
      { now },
    );
    try {
      const r = await receiver(async () => {
        await sleep(Math.random() * 4);
        return 200;
      });
      const { organizationId, directoryId, token } = await tenant();
      await webhook({ url: r.url, organizationId });
      // Writes alternate between the nodes, so both are notified and both try to claim the directory.
      const nodes = [scimClient(t.url, directoryId, token), scimClient(second.url, directoryId, token)];
      const n = 30;
      for (let i = 0; i < n; i++) await createUser(nodes[i % 2]!, `node${i}@example.com`);
      await r.waitFor((x) => x.acknowledged().length >= n, 20_000);
      await sleep(300);
      expect(r.maxConcurrentPerDirectory()).toBe(1);
      expect(sequences(r, directoryId)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    } finally {
      await second.close();
    }
  });
});

describe('secrets at rest', () => {
  test('with ROSTER_WEBHOOK_SECRETS_KEY the stored secret is sealed and deliveries still verify', async () => {
    const sealed = await startTestApp({
      ROSTER_ALLOW_PRIVATE_WEBHOOKS: 'true',
      ROSTER_WEBHOOK_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64url'),
    });
    try {
      const r = await receiver();
      const x = await createTenant(sealed);
      const res = await http(`${sealed.url}/api/v1/webhooks`, {
        method: 'POST',
        key: sealed.adminKey,
        body: { url: r.url, organizationId: x.organizationId },
      });
      expect(res.status, res.text).toBe(201);
      const stored = await sealed.db.pool.query<{ secret: string }>(
        'select secret from webhooks where id = $1',
        [res.body.id],
      );
      expect(stored.rows[0]!.secret).toMatch(/^v1\./);
      expect(stored.rows[0]!.secret).not.toContain(res.body.secret.slice('rst_whsec_'.length, 20));
      await createUser(scimClient(sealed.url, x.directoryId, x.token), 'sealed@example.com');
      await r.waitFor((y) => y.acknowledged().length === 1);
      const got = r.received[0]!;
      expect(
        verifyRosterSignature(res.body.secret, got.headers['roster-signature'] as string, got.rawBody),
      ).toBe(true);
    } finally {
      await sealed.close();
    }
  });
});

describe('secret rotation', () => {
  test('during the overlap both secrets sign; afterwards only the new one', async () => {
    const r = await receiver();
    const { organizationId, scim } = await tenant();
    const hook = await webhook({ url: r.url, organizationId });
    const rotated = await api('POST', `/webhooks/${hook.id}/rotate-secret`, { overlapSeconds: 3600 });
    expect(rotated.status, rotated.text).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(hook.secret);
    expect(rotated.body.previousSecretExpiresAt).not.toBeNull();
    await createUser(scim, 'rot1@example.com');
    await r.waitFor((x) => x.acknowledged().length === 1);
    const both = r.received[0]!;
    const header = both.headers['roster-signature'] as string;
    expect(header.match(/v1=/g)).toHaveLength(2);
    // Verify against the app's clock (it may have been moved by other tests).
    const at = { nowSeconds: Math.floor(now().getTime() / 1000) };
    expect(verifyRosterSignature(fresh, header, both.rawBody, at)).toBe(true);
    expect(verifyRosterSignature(hook.secret, header, both.rawBody, at)).toBe(true);

    const again = await api('POST', `/webhooks/${hook.id}/rotate-secret`, { overlapSeconds: 0 });
    await createUser(scim, 'rot2@example.com');
    await r.waitFor((x) => x.acknowledged().length === 2);
    const only = r.received[1]!;
    const header2 = only.headers['roster-signature'] as string;
    expect(header2.match(/v1=/g)).toHaveLength(1);
    expect(verifyRosterSignature(again.body.secret, header2, only.rawBody, at)).toBe(true);
    expect(verifyRosterSignature(fresh, header2, only.rawBody, at)).toBe(false);
  });
});

test('the package entry exports verifyRosterSignature (what README’s receiver imports)', async () => {
  const entry = 'roster'; // resolved through package.json "exports" to dist/index.js
  const pkg = (await import(entry)) as { verifyRosterSignature: unknown };
  expect(typeof pkg.verifyRosterSignature).toBe('function');
});

describe('locks', () => {
  test('recording progress and deleting the webhook take their locks in one order (webhook, then position)', async () => {
    const { organizationId, directoryId } = await createTenant(t);
    const webhookId = randomUUID();
    // Disabled, so this node's worker leaves the pair alone; recordProgress does not look at the state.
    await query(
      t.db.pool,
      sql`insert into webhooks (organization_id, id, url, secret, state)
          values (${organizationId}, ${webhookId}, 'https://receiver.example/hook', 'plain.x', 'disabled')`,
    );
    await query(
      t.db.pool,
      sql`insert into webhook_positions (organization_id, directory_id, webhook_id) values (${organizationId},
          ${directoryId}, ${webhookId}) on conflict do nothing`,
    );
    const deleter = await t.db.pool.connect();
    try {
      // What deleteWebhook does: lock the webhook, then delete it, which deletes its positions.
      await deleter.query('begin');
      await deleter.query('select 1 from webhooks where id = $1 for update', [webhookId]);
      const key = {
        organizationId: organizationId as OrganizationId,
        directoryId: directoryId as DirectoryId,
        webhookId: webhookId as WebhookId,
      };
      const progress = recordProgress(
        t.db.pool,
        key,
        0,
        { deliveredSequence: 1, attempts: 0, firstFailedAt: null, nextAttemptAt: null, lastError: null },
        [
          {
            ...key,
            eventId: randomUUID(),
            sequence: 1,
            eventType: 'user.created',
            attempt: 1,
            attemptedAt: new Date(),
            statusCode: 200,
            latencyMs: 1,
            error: null,
          },
        ],
      );
      await sleep(300); // recordProgress is now waiting, holding nothing the deleter needs
      await deleter.query('delete from webhooks where id = $1', [webhookId]);
      await deleter.query('commit');
      // The webhook went first: nothing moves and nothing is logged for it.
      expect(await progress).toBe(false);
    } finally {
      deleter.release();
    }
    const left = await query<{ n: string }>(
      t.db.pool,
      sql`select count(*) as n from webhook_deliveries where webhook_id = ${webhookId}`,
    );
    expect(left[0]!.n).toBe('0');
  });
});
