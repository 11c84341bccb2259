/**
 * The event log: every SCIM write appends its normalized events in the same transaction, with a gap-free
 * per-directory sequence, and the Events API pages through them so a consumer that keeps its cursor misses
 * nothing and sees nothing twice.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { query, sql, transaction } from '../src/db/database.js';
import { appendEvents } from '../src/db/event-store.js';
import type { DirectoryScope } from '../src/directory/scope.js';
import type { NewEvent } from '../src/events/directory-events.js';
import { newUuidV7 } from '../src/shared/ids.js';
import { pruneOldEvents } from '../src/events/event-retention.js';
import { GROUP_SCHEMA, PATCH_OP, type ScimClient, USER_SCHEMA, scimClient } from './support/scim-client.js';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Event {
  id: string;
  sequence: number;
  type: string;
  occurredAt: string;
  organizationId: string;
  directoryId: string;
  data: Record<string, any>;
  previous?: Record<string, any>;
}

const api = (path: string, key = t.adminKey) => http(`${t.url}/api/v1${path}`, { key });

async function eventsOf(directoryId: string, after?: number): Promise<Event[]> {
  const res = await api(
    `/events?directoryId=${directoryId}&limit=1000${after === undefined ? '' : `&after=${after}`}`,
  );
  expect(res.status, res.text).toBe(200);
  return res.body.data as Event[];
}

async function directory(provider = 'generic') {
  const tenant = await createTenant(t, { provider });
  return { ...tenant, scim: scimClient(t.url, tenant.directoryId, tenant.token) };
}

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
  ...extra,
});

async function post(scim: ScimClient, path: string, body: unknown): Promise<string> {
  const res = await scim.post(path, body);
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/**
 * A webhook of the organization whose position for the directory has delivered up to `delivered` (the node's
 * delivery worker may create the position first; either way it ends there), and every event of the directory
 * made old enough for retention to consider.
 */
async function webhookBehind(organizationId: string, directoryId: string, delivered: number) {
  await query(
    t.db.pool,
    sql`insert into webhooks (organization_id, id, url, secret)
        values (${organizationId}, gen_random_uuid(), 'https://receiver.example/hook', 'plain.x')`,
  );
  await query(
    t.db.pool,
    sql`insert into webhook_positions (organization_id, directory_id, webhook_id, delivered_sequence)
        select ${organizationId}, ${directoryId}, id, ${delivered} from webhooks where organization_id = ${organizationId}
        on conflict (organization_id, directory_id, webhook_id) do update set delivered_sequence = ${delivered}`,
  );
  await query(
    t.db.pool,
    sql`update directory_event_batches set occurred_at = now() - interval '400 days' where directory_id = ${directoryId}`,
  );
}

describe('events from SCIM writes', () => {
  test('a user lifecycle yields one event per normalized change, in order, with previous values', async () => {
    const { directoryId, organizationId, scim } = await directory();
    const id = await post(scim, '/Users', user('ada@example.com'));
    // The same state again (an IdP's periodic full sync) emits nothing.
    expect((await scim.put(`/Users/${id}`, user('ada@example.com'))).status).toBe(200);
    const renamed = user('ada@example.com', { name: { givenName: 'Augusta', familyName: 'Lovelace' } });
    expect((await scim.put(`/Users/${id}`, renamed)).status).toBe(200);
    const off = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] };
    expect((await scim.patch(`/Users/${id}`, off)).status).toBe(200);
    const on = { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] };
    expect((await scim.patch(`/Users/${id}`, on)).status).toBe(200);
    const groupId = await post(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineers',
      members: [{ value: id }],
    });
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);

    const [activated, ...events] = await eventsOf(directoryId);
    expect(activated).toMatchObject({ sequence: 1, type: 'directory.activated', data: { id: directoryId } });
    expect(events.map((e) => e.type)).toEqual([
      'user.created',
      'user.updated',
      'user.deactivated',
      'user.reactivated',
      'group.created',
      'group.member_added',
      'group.member_removed',
      'user.deleted',
    ]);
    expect(events.map((e) => e.sequence)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const [created, updated, deactivated] = events;
    expect(created).toMatchObject({
      organizationId,
      directoryId,
      data: {
        id,
        userName: 'ada@example.com',
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        state: 'active',
        customAttributes: {},
        roles: [],
      },
    });
    expect(created!.previous).toBeUndefined();
    expect(updated!.previous).toEqual({ firstName: 'Ada', displayName: 'Ada Lovelace' });
    expect(updated!.data.firstName).toBe('Augusta');
    expect(deactivated!.data.state).toBe('inactive');
    expect(deactivated!.previous).toBeUndefined();
    expect(events[5]!.data).toEqual({ groupId, memberId: id, memberType: 'User' });
    expect(events[6]!.data).toEqual({ groupId, memberId: id, memberType: 'User' });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  test('group membership changes are one event per member and never also group.updated', async () => {
    const { directoryId, scim } = await directory();
    // Events of one membership operation come out by member id.
    const ids = (
      await Promise.all(['a', 'b', 'c'].map((n) => post(scim, '/Users', user(`${n}@example.com`))))
    ).sort();
    const groupId = await post(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Team' });
    const before = (await eventsOf(directoryId)).length;
    const add = {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
    };
    expect((await scim.patch(`/Groups/${groupId}`, add)).status).toBe(200);
    // Re-adding existing members and removing a non-member change nothing and emit nothing.
    expect((await scim.patch(`/Groups/${groupId}`, add)).status).toBe(200);
    const rename = {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', value: { displayName: 'Team 2' } },
        { op: 'remove', path: `members[value eq "${ids[0]}"]` },
      ],
    };
    expect((await scim.patch(`/Groups/${groupId}`, rename)).status).toBe(200);
    expect((await scim.delete(`/Groups/${groupId}`)).status).toBe(204);
    const events = (await eventsOf(directoryId)).slice(before);
    expect(events.map((e) => [e.type, e.data.memberId ?? null])).toEqual([
      ['group.member_added', ids[0]],
      ['group.member_added', ids[1]],
      ['group.member_added', ids[2]],
      ['group.updated', null],
      ['group.member_removed', ids[0]],
      ['group.member_removed', ids[1]],
      ['group.member_removed', ids[2]],
      ['group.deleted', null],
    ]);
    expect(events[3]!.previous).toEqual({ name: 'Team' });
    expect(events[3]!.data).toMatchObject({ id: groupId, name: 'Team 2' });
  });

  test('a failed write appends nothing and leaves no gap', async () => {
    const { directoryId, scim } = await directory();
    await post(scim, '/Users', user('one@example.com'));
    expect((await scim.post('/Users', user('ONE@example.com'))).status).toBe(409);
    expect((await scim.post('/Users', { schemas: [USER_SCHEMA] })).status).toBe(400);
    await post(scim, '/Users', user('two@example.com'));
    expect((await eventsOf(directoryId)).map((e) => [e.sequence, e.type])).toEqual([
      [1, 'directory.activated'],
      [2, 'user.created'],
      [3, 'user.created'],
    ]);
  });

  test('32 concurrent writers get a strictly increasing sequence without gaps or duplicates', async () => {
    const { directoryId, scim } = await directory();
    const groupId = await post(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Busy' });
    await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const id = await post(scim, '/Users', user(`c${i}@example.com`));
        const add = {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
        };
        expect((await scim.patch(`/Groups/${groupId}`, add)).status).toBe(200);
      }),
    );
    const events = await eventsOf(directoryId);
    expect(events).toHaveLength(2 + 32 * 2);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    // Each user's creation precedes its membership.
    for (const added of events.filter((e) => e.type === 'group.member_added')) {
      const creation = events.find((e) => e.type === 'user.created' && e.data.id === added.data.memberId);
      expect(creation!.sequence).toBeLessThan(added.sequence);
    }
  });

  test('a bulk create appends one user.created per created user, in request order', async () => {
    const { directoryId, scim } = await directory();
    const res = await scim.post('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: ['x', 'y', 'x'].map((n, i) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `b${i}`,
        data: user(`${n}@bulk.example`),
      })),
    });
    expect(res.status, res.text).toBe(200);
    const events = (await eventsOf(directoryId)).slice(1);
    expect(events.map((e) => [e.type, e.data.userName])).toEqual([
      ['user.created', 'x@bulk.example'],
      ['user.created', 'y@bulk.example'],
    ]);
  });
});

describe('GET /api/v1/events', () => {
  test('pages one directory by sequence; nextCursor is the last sequence and stays put on an empty page', async () => {
    const { directoryId, scim } = await directory();
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await post(scim, '/Users', user(`${n}@example.com`));
    const first = await api(`/events?directoryId=${directoryId}&limit=2&after=1`);
    expect(first.body.data.map((e: Event) => e.sequence)).toEqual([2, 3]);
    expect(first.body.nextCursor).toBe('3');
    const second = await api(`/events?directoryId=${directoryId}&limit=2&after=${first.body.nextCursor}`);
    expect(second.body.data.map((e: Event) => e.sequence)).toEqual([4, 5]);
    const rest = await api(`/events?directoryId=${directoryId}&after=5`);
    expect(rest.body.data.map((e: Event) => e.sequence)).toEqual([6]);
    const empty = await api(`/events?directoryId=${directoryId}&after=${rest.body.nextCursor}`);
    expect(empty.body).toEqual({ data: [], nextCursor: '6' });
    const typed = await api(`/events?directoryId=${directoryId}&types=user.deleted,group.created`);
    expect(typed.body.data).toEqual([]);
  });

  test('an organization stream across directories never misses or repeats an event', async () => {
    const org = await directory();
    const second = await http(`${t.url}/api/v1/organizations/${org.organizationId}/directories`, {
      method: 'POST',
      key: t.adminKey,
      body: { name: 'second', provider: 'okta' },
    });
    const token = await http(`${t.url}/api/v1/directories/${second.body.id}/tokens`, {
      method: 'POST',
      key: t.adminKey,
      body: {},
    });
    const other = scimClient(t.url, second.body.id, token.body.token);
    const seen: string[] = [];
    let cursor: string | undefined;
    const drain = async () => {
      for (;;) {
        const page = await api(
          `/events?organizationId=${org.organizationId}&limit=3${cursor ? `&after=${cursor}` : ''}`,
        );
        expect(page.status, page.text).toBe(200);
        seen.push(...page.body.data.map((e: Event) => e.id));
        cursor = page.body.nextCursor;
        if (page.body.data.length < 3) return;
      }
    };
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          post(i % 2 ? other : org.scim, '/Users', user(`r${round}-${i}@example.com`)),
        ),
      );
      await drain();
    }
    // An event becomes visible to the stream once every older transaction on the server has finished (other
    // sessions may hold it back for a moment); the consumer just keeps polling from its cursor.
    for (let waited = 0; seen.length < 2 + 12 && waited < 5_000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
      await drain();
    }
    const all = [...(await eventsOf(org.directoryId)), ...(await eventsOf(second.body.id as string))].map(
      (e) => e.id,
    );
    expect(seen).toHaveLength(2 + 12);
    expect(new Set(seen)).toEqual(new Set(all));
  });

  test('validation, tenant isolation and unknown cursors', async () => {
    const mine = await directory();
    const theirs = await directory();
    await post(theirs.scim, '/Users', user('secret@example.com'));
    const key = await http(`${t.url}/api/v1/admin-keys`, {
      method: 'POST',
      key: t.adminKey,
      body: { organizationId: mine.organizationId, scopes: ['admin:read'] },
    });
    const orgKey = key.body.key as string;
    expect((await api(`/events?directoryId=${theirs.directoryId}`, orgKey)).status).toBe(404);
    expect((await api(`/events?organizationId=${theirs.organizationId}`, orgKey)).status).toBe(404);
    // Without filters an organization key reads its own organization only.
    const own = await api('/events', orgKey);
    expect(own.status).toBe(200);
    expect(own.body.data.every((e: Event) => e.organizationId === mine.organizationId)).toBe(true);
    expect((await api('/events?limit=1001')).status).toBe(400);
    expect((await api('/events?types=user.exploded')).body.error.code).toBe('validation_failed');
    expect((await api(`/events?directoryId=${mine.directoryId}&after=abc`)).status).toBe(400);
    expect((await api('/events?after=bm90LWEtY3Vyc29y')).status).toBe(400);
  });
});

describe('retention', () => {
  test('events older than the retention window are pruned; newer ones and the sequence stay', async () => {
    const { directoryId, scim } = await directory();
    for (const n of ['old1', 'old2', 'new1']) await post(scim, '/Users', user(`${n}@example.com`));
    await query(
      t.db.pool,
      sql`update directory_event_batches set occurred_at = now() - interval '40 days'
          where directory_id = ${directoryId} and sequence <= 3`,
    );
    expect(await pruneOldEvents(t.db.pool, 0, new Date())).toBe(0); // 0 days: keep forever
    expect(await pruneOldEvents(t.db.pool, 30, new Date())).toBeGreaterThanOrEqual(3);
    expect((await eventsOf(directoryId)).map((e) => e.sequence)).toEqual([4]);
    // Sequences keep counting from where they were: a consumer's cursor stays valid.
    await post(scim, '/Users', user('new2@example.com'));
    expect((await eventsOf(directoryId)).map((e) => e.sequence)).toEqual([4, 5]);
  });

  test('events a webhook has not delivered yet are kept, however old', async () => {
    const { directoryId, organizationId, scim } = await directory();
    await post(scim, '/Users', user('kept@example.com'));
    // A webhook whose position for this directory is still before the user's event (as after a replay).
    await webhookBehind(organizationId, directoryId, 1);
    await pruneOldEvents(t.db.pool, 30, new Date());
    // Sequence 1 was delivered and goes; sequence 2 waits for the webhook.
    expect((await eventsOf(directoryId)).map((e) => e.sequence)).toEqual([2]);
  });
});

describe("a write's many events are one row of the log (migration 0019)", () => {
  /**
   * Every event `query` selects, read `limit` at a time from the start, following `nextCursor`. At most 30 pages:
   * a reader that repeats events must fail the comparison, not spin into the rate limit.
   */
  async function readPaged(query: string, limit: number): Promise<Event[]> {
    const events: Event[] = [];
    for (let cursor: string | undefined, pages = 0; pages < 30; pages++) {
      const page = await api(`/events?${query}&limit=${limit}${cursor ? `&after=${cursor}` : ''}`);
      expect(page.status, page.text).toBe(200);
      events.push(...page.body.data);
      if (page.body.data.length < limit) break;
      cursor = page.body.nextCursor;
    }
    return events;
  }

  /** A directory with a group, 60 users, then adds of 45 and removals of 25 members (each one row), a user between. */
  async function batched() {
    const tenant = await directory();
    const { scim } = tenant;
    const users: string[] = [];
    for (let i = 0; i < 60; i++) users.push(await post(scim, '/Users', user(`b${i}@example.com`)));
    const groupId = await post(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Batched' });
    const members = (ids: string[]) => ids.map((value) => ({ value }));
    const add = {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: members(users.slice(0, 45)) }],
    };
    expect((await scim.patch(`/Groups/${groupId}`, add)).status).toBeLessThan(300);
    await post(scim, '/Users', user('between@example.com'));
    const remove = {
      schemas: [PATCH_OP],
      Operations: users.slice(10, 35).map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })),
    };
    expect((await scim.patch(`/Groups/${groupId}`, remove)).status).toBeLessThan(300);
    const rows = await query<{ sequence: string; last_sequence: string }>(
      t.db.pool,
      sql`select sequence, last_sequence from directory_event_batches
          where directory_id = ${tenant.directoryId} order by sequence`,
    );
    return {
      ...tenant,
      users,
      groupId,
      rows: rows.map((r) => [Number(r.sequence), Number(r.last_sequence)]),
    };
  }

  test('stored as one row each, read back as events with consecutive sequences, in order, at any page size', async () => {
    const { directoryId, organizationId, users, groupId, rows } = await batched();
    // directory.activated, 60 users, the group: a row each; then the add, the user, the removals.
    expect(rows.slice(-3)).toEqual([
      [63, 107],
      [108, 108],
      [109, 133],
    ]);
    expect(rows).toHaveLength(62 + 3);
    const all = await eventsOf(directoryId);
    expect(all.map((e) => e.sequence)).toEqual(Array.from({ length: 133 }, (_, i) => i + 1));
    expect(new Set(all.map((e) => e.id)).size).toBe(133);
    const added = all.filter((e) => e.type === 'group.member_added');
    expect(added.map((e) => e.sequence)).toEqual(Array.from({ length: 45 }, (_, i) => 63 + i));
    expect(added.map((e) => e.data.memberId)).toEqual([...users.slice(0, 45)].sort());
    expect(added.every((e) => e.data.groupId === groupId && e.previous === undefined)).toBe(true);
    expect(all[107]).toMatchObject({
      sequence: 108,
      type: 'user.created',
      data: { userName: 'between@example.com' },
    });
    expect(all.slice(108).every((e) => e.type === 'group.member_removed')).toBe(true);

    // Pages that start and end inside rows: by sequence, and as the organization's stream.
    for (const limit of [5, 44, 100]) {
      expect(await readPaged(`directoryId=${directoryId}`, limit)).toEqual(all);
      const streamed = await readPaged(`organizationId=${organizationId}`, limit);
      expect(streamed.map((e) => e.id)).toEqual(all.map((e) => e.id));
    }

    // A type filter inside and across rows.
    const removed = await api(
      `/events?directoryId=${directoryId}&after=70&limit=10&types=group.member_removed`,
    );
    expect(removed.body.data.map((e: Event) => e.sequence)).toEqual(
      Array.from({ length: 10 }, (_, i) => 109 + i),
    );
    const tail = await api(
      `/events?directoryId=${directoryId}&after=100&types=group.member_added,user.created`,
    );
    expect(tail.body.data.map((e: Event) => e.sequence)).toEqual([101, 102, 103, 104, 105, 106, 107, 108]);
  });

  test('retention keeps a row while a webhook has any of its events to deliver', async () => {
    const { directoryId, organizationId } = await batched();
    // Delivered up to the middle of the add's row (63-107).
    await webhookBehind(organizationId, directoryId, 80);
    expect(await pruneOldEvents(t.db.pool, 30, new Date())).toBeGreaterThanOrEqual(62);
    const left = await eventsOf(directoryId);
    expect(left.map((e) => e.sequence)).toEqual(Array.from({ length: 133 - 62 }, (_, i) => 63 + i));
  });
});

describe('rows keep only what their events do not share (migration 0021)', () => {
  const scalar = fc.oneof(
    fc.constantFrom('a', 'b', ''),
    fc.integer({ min: -2, max: 2 }),
    fc.boolean(),
    fc.constant(null),
  );
  const value = fc.oneof(scalar, fc.dictionary(fc.constantFrom('x', 'y'), scalar, { maxKeys: 2 }));
  const newEvent = fc.record(
    {
      type: fc.constantFrom('group.member_added', 'group.member_removed', 'user.updated'),
      data: fc.dictionary(fc.constantFrom('groupId', 'memberId', 'memberType', 'n'), value, { maxKeys: 4 }),
      previous: fc.dictionary(fc.constantFrom('active', 'userName'), scalar, { maxKeys: 2 }),
    },
    { requiredKeys: ['type', 'data'] },
  );

  test('any write, its events factored or not, reads back exactly as written, each with its own id', async () => {
    const { organizationId, directoryId } = await directory();
    const scope = { organizationId, directoryId } as DirectoryScope;
    let after = (await eventsOf(directoryId)).length;
    await fc.assert(
      fc.asyncProperty(fc.array(newEvent, { minLength: 1, maxLength: 8 }), async (events) => {
        await transaction(t.db.pool, (tx) => appendEvents(tx, scope, events as NewEvent[]));
        const read = await eventsOf(directoryId, after);
        after += events.length;
        expect(
          read.map(({ type, data, previous }) => ({ type, data, ...(previous ? { previous } : {}) })),
        ).toEqual(
          events.map(({ type, data, previous }) => ({ type, data, ...(previous ? { previous } : {}) })),
        );
        expect(
          read.every((e) =>
            /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.id),
          ),
        ).toBe(true);
        expect(new Set(read.map((e) => e.id)).size).toBe(events.length);
      }),
      { numRuns: 40 },
    );
  });

  test('a member add stores the type, group and member type once and a member id per event', async () => {
    const { directoryId, scim } = await directory();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await post(scim, '/Users', user(`c${i}@example.com`)));
    const groupId = await post(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Compact' });
    const add = {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: ids.map((v) => ({ value: v })) }],
    };
    expect((await scim.patch(`/Groups/${groupId}`, add)).status).toBeLessThan(300);
    const [row] = await query<{ common: unknown; events: unknown; first_id: string }>(
      t.db.pool,
      sql`select common, events, first_id from directory_event_batches
          where directory_id = ${directoryId} order by last_sequence desc limit 1`,
    );
    expect(row!.common).toEqual({ type: 'group.member_added', data: { groupId, memberType: 'User' } });
    expect(row!.events).toEqual([...ids].sort().map((memberId) => ({ data: { memberId } })));
    const added = (await eventsOf(directoryId)).slice(-3);
    expect(added.map((e) => e.id)).toEqual(
      [0, 1, 2].map(
        (n) =>
          `${row!.first_id.slice(0, 24)}${(parseInt(row!.first_id.slice(24), 16) + n).toString(16).padStart(12, '0')}`,
      ),
    );
  });

  test("an event's id is its row's first id plus its place, within the last 48 bits", async () => {
    const ids = await query<{ id: string }>(
      t.db.pool,
      sql`select roster_event_id(base, n)::text as id
          from (values ('0190c3a1-0000-7abc-8def-fffffffffffe'::uuid, 0), ('0190c3a1-0000-7abc-8def-fffffffffffe', 1),
                       ('0190c3a1-0000-7abc-8def-fffffffffffe', 2), ('0190c3a1-0000-7abc-8def-fffffffffffe', 5)) v(base, n)`,
    );
    expect(ids.map((r) => r.id)).toEqual([
      '0190c3a1-0000-7abc-8def-fffffffffffe',
      '0190c3a1-0000-7abc-8def-ffffffffffff',
      '0190c3a1-0000-7abc-8def-000000000000',
      '0190c3a1-0000-7abc-8def-000000000003',
    ]);
  });

  test('rows written before the migration, with each event whole, read as they did', async () => {
    const { organizationId, directoryId } = await directory();
    const before = (await eventsOf(directoryId)).length;
    const whole = [
      {
        id: newUuidV7(),
        type: 'user.updated',
        data: { id: 'u1', active: false },
        previous: { active: true },
      },
      { id: newUuidV7(), type: 'user.deleted', data: { id: 'u1' }, previous: null },
    ];
    await query(
      t.db.pool,
      sql`insert into directory_event_queue (organization_id, directory_id, types, events, event_count)
          values (${organizationId}, ${directoryId}, '{user.updated,user.deleted}', ${JSON.stringify(whole)}, 2)`,
    );
    await query(t.db.pool, sql`select roster_sequence_events(${organizationId}, ${directoryId})`);
    const read = await eventsOf(directoryId, before);
    expect(
      read.map(({ id, type, data, previous }) => ({ id, type, data, previous: previous ?? null })),
    ).toEqual(whole);
  });
});
