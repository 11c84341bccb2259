/**
 * Event sequencing after commit (migration 0012): a write queues its events in its own transaction and they are
 * numbered right after it commits. These tests stage what a node leaves behind when it dies between the two (a
 * committed change whose events are still queued), and check that nothing is lost or miscounted meanwhile and
 * that the sweep numbers them; what the hot-path foreign keys used to do on deletion (migration 0013); how a
 * write's many events are one queue row (migration 0020) and a long write numbers them as it goes; and how
 * deletions wait for writers.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Executor, query, queryOne, sql, transaction } from '../src/db/database.js';
import { SEQUENCE_NOW_FROM, appendEvents } from '../src/db/event-store.js';
import type { DirectoryScope } from '../src/directory/scope.js';
import type { NewEvent } from '../src/events/directory-events.js';
import { newUuidV7 } from '../src/shared/ids.js';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, scimClient } from './support/scim-client.js';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const api = (path: string, init: { method?: string } = {}) =>
  http(`${t.url}/api/v1${path}`, { key: t.adminKey, ...init });

async function eventsOf(directoryId: string): Promise<{ sequence: number; type: string; data: any }[]> {
  const res = await api(`/events?directoryId=${directoryId}&limit=1000`);
  expect(res.status, res.text).toBe(200);
  return res.body.data;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What a node that died right after COMMIT leaves: a user row and its queued `user.created`, never numbered. */
async function commitWithoutSequencing(organizationId: string, directoryId: string, userName: string) {
  const id = newUuidV7();
  await transaction(t.db.pool, async (tx) => {
    await query(
      tx,
      sql`insert into scim_users (organization_id, directory_id, id, user_name, active, resource)
          values (${organizationId}, ${directoryId}, ${id}, ${userName}, true,
                  ${JSON.stringify({ schemas: [USER_SCHEMA], userName, active: true })})`,
    );
    await query(tx, queueUserCreated(organizationId, directoryId, { id, userName }));
  });
  return id;
}

/** The queue row of a write whose one event is `user.created` with `data` (migration 0020). */
const queueUserCreated = (organizationId: string, directoryId: string, data: object) =>
  sql`insert into directory_event_queue
        (organization_id, directory_id, types, events, event_count, user_delta)
      values (${organizationId}, ${directoryId}, '{user.created}',
              ${JSON.stringify([{ id: newUuidV7(), type: 'user.created', data, previous: null }])}, 1, 1)`;

describe('events sequenced after commit', () => {
  test('a committed change whose node died before numbering its events is counted at once and swept into the log', async () => {
    const { organizationId, directoryId, token } = await createTenant(t);
    const scim = scimClient(t.url, directoryId, token);
    expect(
      (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'first@example.com' })).status,
    ).toBe(201);
    const orphan = await commitWithoutSequencing(organizationId, directoryId, 'orphan@example.com');

    // The user is there, and `totalResults` of an unfiltered list (a maintained count) already includes it.
    const listed = await scim.get('/Users?count=0');
    expect(listed.body.totalResults).toBe(2);
    // Readers never see a hole: the queued event is not in the log until it is numbered after what is there.
    const before = await eventsOf(directoryId);
    expect(before.map((e) => e.type)).toEqual(['directory.activated', 'user.created']);

    const after = await until(
      () => eventsOf(directoryId),
      (events) => events.length === 3,
    );
    expect(after.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'directory.activated'],
      [2, 'user.created'],
      [3, 'user.created'],
    ]);
    expect(after[2]!.data.id).toBe(orphan);
    const row = await queryOne<{ user_count: string; queued: string }>(
      t.db.pool,
      sql`select user_count, (select count(*) from directory_event_queue where directory_id = ${directoryId}) as queued
          from directories where id = ${directoryId}`,
    );
    expect(row).toEqual({ user_count: '2', queued: '0' });
    expect((await scim.get('/Users?count=0')).body.totalResults).toBe(2);
  });

  test('the next write of the directory numbers what an earlier one left queued, before its own events', async () => {
    const { organizationId, directoryId, token } = await createTenant(t);
    const scim = scimClient(t.url, directoryId, token);
    await commitWithoutSequencing(organizationId, directoryId, 'left@example.com');
    const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'next@example.com' });
    expect(res.status).toBe(201);
    // Readable by the time the response came back, in commit order, without waiting for the sweep.
    const events = await eventsOf(directoryId);
    expect(events.map((e) => [e.sequence, e.type, e.data.userName])).toEqual([
      [1, 'directory.activated', undefined],
      [2, 'user.created', 'left@example.com'],
      [3, 'user.created', 'next@example.com'],
    ]);
  });

  test('deleting a directory numbers its last events and removes its memberships; deleting the organization removes its events', async () => {
    const { organizationId, directoryId, token } = await createTenant(t);
    const scim = scimClient(t.url, directoryId, token);
    const userId = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'm@example.com' })).body.id;
    const group = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Members',
      members: [{ value: userId }],
    });
    expect(group.status).toBe(201);
    await commitWithoutSequencing(organizationId, directoryId, 'late@example.com');

    expect((await api(`/directories/${directoryId}`, { method: 'DELETE' })).status).toBe(204);
    // The directory is gone; its events stay readable in its organization's stream.
    const res = await api(`/events?organizationId=${organizationId}&limit=1000`);
    expect(res.status, res.text).toBe(200);
    const events = res.body.data as { sequence: number; type: string }[];
    expect(events.map((e) => e.type)).toEqual([
      'directory.activated',
      'user.created',
      'group.created',
      'group.member_added',
      'user.created',
      'directory.deleted',
    ]);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    const left = async () =>
      queryOne<{ members: string; queued: string; events: string }>(
        t.db.pool,
        sql`select (select count(*) from scim_group_members where organization_id = ${organizationId}) as members,
                   (select count(*) from directory_event_queue where organization_id = ${organizationId}) as queued,
                   (select count(*) from directory_events where organization_id = ${organizationId}) as events`,
      );
    expect(await left()).toEqual({ members: '0', queued: '0', events: '6' });

    expect((await api(`/organizations/${organizationId}`, { method: 'DELETE' })).status).toBe(204);
    expect(await left()).toEqual({ members: '0', queued: '0', events: '0' });
  });
});

describe('writes with many events, and deletions against writers in flight (migrations 0014, 0020)', () => {
  const addMembers = (ids: readonly string[]) => ({
    schemas: [PATCH_OP],
    Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
  });
  const created = async (scim: ReturnType<typeof scimClient>, prefix: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await scim.post('/Users', {
          schemas: [USER_SCHEMA],
          userName: `${prefix}${i}@example.com`,
        });
        expect(res.status).toBe(201);
        return res.body.id as string;
      }),
    );

  test("a write's many events are one row, numbered after what was left queued, readable at once", async () => {
    const { organizationId, directoryId, token } = await createTenant(t);
    const scim = scimClient(t.url, directoryId, token);
    const users = await created(scim, 'batch', 25);
    const group = (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Big' })).body.id;
    await commitWithoutSequencing(organizationId, directoryId, 'left@example.com');

    expect((await scim.patch(`/Groups/${group}`, addMembers(users))).status).toBeLessThan(300);
    // No wait: the move after the write's commit numbered the leftover, then its own 25 events, before it answered.
    const events = await eventsOf(directoryId);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    const tail = events.slice(-26);
    expect(tail[0]).toMatchObject({ type: 'user.created', data: { userName: 'left@example.com' } });
    // Member events come in member id order (group-store `inOrder`).
    expect(tail.slice(1).map((e) => [e.type, e.data.memberId])).toEqual(
      [...users].sort().map((id) => ['group.member_added', id]),
    );
    const row = await queryOne<{ user_count: string; queued: string }>(
      t.db.pool,
      sql`select user_count, (select count(*) from directory_event_queue where directory_id = ${directoryId}) as queued
          from directories where id = ${directoryId}`,
    );
    expect(row).toEqual({ user_count: '26', queued: '0' });
    // The leftover is a row of its own; the add's 25 events are the log's last row.
    const last = await queryOne<{ sequence: string; last_sequence: string }>(
      t.db.pool,
      sql`select sequence, last_sequence from directory_event_batches where directory_id = ${directoryId}
          order by last_sequence desc limit 1`,
    );
    expect(last).toEqual({ sequence: String(tail[1]!.sequence), last_sequence: String(tail[25]!.sequence) });
  });

  test('large member adds and single creates racing in one directory: every event once, gap-free, counts exact', async () => {
    const { directoryId, token } = await createTenant(t);
    const scim = scimClient(t.url, directoryId, token);
    const users = await created(scim, 'pool', 80);
    const groups = await Promise.all(
      [0, 1, 2, 3].map(
        async (g) => (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `G${g}` })).body.id,
      ),
    );
    const results = await Promise.all([
      ...groups.map((g) => scim.patch(`/Groups/${g}`, addMembers(users.slice(0, 40)))),
      ...groups.map((g) => scim.patch(`/Groups/${g}`, addMembers(users.slice(40)))),
      ...Array.from({ length: 16 }, (_, i) =>
        scim.post('/Users', { schemas: [USER_SCHEMA], userName: `racer${i}@example.com` }),
      ),
    ]);
    for (const res of results) expect(res.status).toBeLessThan(300);

    const events = await eventsOf(directoryId);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    const added = events.filter((e) => e.type === 'group.member_added');
    expect(added).toHaveLength(groups.length * 80);
    expect(new Set(added.map((e) => `${e.data.groupId}/${e.data.memberId}`)).size).toBe(added.length);
    expect(events.filter((e) => e.type === 'user.created')).toHaveLength(96);
    expect((await scim.get('/Users?count=0')).body.totalResults).toBe(96);
  });

  test('a transaction queues each call as one row, numbers its queue once it is long, and the rest after commit', async () => {
    const { organizationId, directoryId } = await createTenant(t);
    const scope = { organizationId, directoryId } as DirectoryScope;
    const events = (from: number, to: number): NewEvent[] =>
      Array.from({ length: to - from }, (_, i) => ({ type: 'group.member_added', data: { n: from + i } }));
    // The directory's own `directory.activated` came first.
    const numbered = async (db: Executor) =>
      (
        await query<{ sequence: string; n: string }>(
          db,
          sql`select sequence, data->>'n' as n from directory_events
              where organization_id = ${organizationId} and directory_id = ${directoryId}
                and type = 'group.member_added'
              order by sequence`,
        )
      ).map((r) => [Number(r.sequence), Number(r.n)]);
    // Rows of the queue and of the log, each as its number of events.
    const rows = async (db: Executor) => {
      const counts = await queryOne<{ queued: number[]; logged: number[] }>(
        db,
        sql`select array(select event_count from directory_event_queue where directory_id = ${directoryId}
                         order by position) as queued,
                   array(select last_sequence - sequence + 1 from directory_event_batches
                         where directory_id = ${directoryId} order by last_sequence) as logged`,
      );
      return { queued: counts!.queued, logged: counts!.logged.map(Number) };
    };
    const before = (await eventsOf(directoryId)).length;
    const expected = (count: number) => Array.from({ length: count }, (_, i) => [before + i + 1, i]);

    expect(SEQUENCE_NOW_FROM).toBeGreaterThan(700);
    expect(SEQUENCE_NOW_FROM).toBeLessThanOrEqual(1400);
    await transaction(t.db.pool, async (tx) => {
      await appendEvents(tx, scope, events(0, 1));
      await appendEvents(tx, scope, events(1, 700));
      expect(await numbered(tx)).toEqual([]);
      expect(await rows(tx)).toEqual({ queued: [1, 699], logged: [1] });
      await appendEvents(tx, scope, events(700, 1400)); // SEQUENCE_NOW_FROM reached: numbered now, in order
      expect(await numbered(tx)).toEqual(expected(1400));
      expect(await rows(tx)).toEqual({ queued: [], logged: [1, 1, 699, 700] });
      await appendEvents(tx, scope, events(1400, 1401));
      await appendEvents(tx, scope, events(1401, 1500));
      expect(await numbered(tx)).toEqual(expected(1400));
    });
    expect(await numbered(t.db.pool)).toEqual(expected(1500));
    expect(await rows(t.db.pool)).toEqual({ queued: [], logged: [1, 1, 699, 700, 1, 99] });
  });

  test('a queue row whose event count is not its number of events is refused (the move numbers by the count)', async () => {
    const { organizationId, directoryId } = await createTenant(t);
    const events = JSON.stringify([{ id: newUuidV7(), type: 'user.created', data: {}, previous: null }]);
    const insert = (count: number) =>
      query(
        t.db.pool,
        sql`insert into directory_event_queue (organization_id, directory_id, types, events, event_count)
            values (${organizationId}, ${directoryId}, '{user.created}', ${events}, ${count})`,
      );
    await expect(insert(2)).rejects.toMatchObject({ code: '23514' });
    await expect(insert(0)).rejects.toMatchObject({ code: '23514' });
    await insert(1);
    await query(t.db.pool, sql`select roster_sequence_events(${organizationId}, ${directoryId})`);
    expect((await eventsOf(directoryId)).map((e) => [e.sequence, e.type])).toEqual([
      [1, 'directory.activated'],
      [2, 'user.created'],
    ]);
  });

  test('deleting a directory or its organization waits for a writer in flight, and leaves nothing of it queued', async () => {
    for (const target of ['directory', 'organization'] as const) {
      const { organizationId, directoryId } = await createTenant(t);
      const writer = await t.db.pool.connect();
      try {
        // A writer between its data and its commit: it shares the directory's lock, as every SCIM write does.
        await writer.query('begin');
        await writer.query('select roster_share_directory($1, $2)', [organizationId, directoryId]);
        const path =
          target === 'directory' ? `/directories/${directoryId}` : `/organizations/${organizationId}`;
        const deleting = api(path, { method: 'DELETE' });
        const early = await Promise.race([
          deleting.then(() => 'finished'),
          new Promise((resolve) => setTimeout(() => resolve('waiting'), 300)),
        ]);
        expect(early).toBe('waiting');
        const queued = queueUserCreated(organizationId, directoryId, {});
        await writer.query(queued.text, queued.values);
        await writer.query('commit');
        expect((await deleting).status).toBe(204);
      } finally {
        writer.release();
      }
      const queued = await queryOne<{ n: string }>(
        t.db.pool,
        sql`select count(*) as n from directory_event_queue where directory_id = ${directoryId}`,
      );
      expect(queued?.n).toBe('0');
      if (target === 'directory') {
        // Numbered by the deletion, before `directory.deleted`.
        const res = await api(`/events?organizationId=${organizationId}&limit=1000`);
        const types = (res.body.data as { type: string }[]).map((e) => e.type);
        expect(types.slice(-2)).toEqual(['user.created', 'directory.deleted']);
      }
    }
  });
});
