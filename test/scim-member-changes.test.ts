/**
 * A PATCH that only adds members, or only removes them, and answers without them (Entra's 204) runs as one
 * statement (`addMembersAlone`, `removeMembersAlone`) instead of a transaction. These tests hold it to the transactional path's outcome through
 * HTTP against real PostgreSQL: the same members, versions, events and errors. An `If-Match` header sends the same
 * PATCH down the transactional path, which is how the two are compared.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMembersAlone } from '../src/db/group-store.js';
import { newUuidV7 } from '../src/shared/ids.js';
import { GROUP_SCHEMA, PATCH_OP, type ScimClient, scimClient, userBody } from './support/scim-client.js';
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
  data: Record<string, string>;
}

const api = (path: string) => http(`${t.url}/api/v1${path}`, { key: t.adminKey });

async function entra() {
  const tenant = await createTenant(t, { provider: 'entra' });
  const scim = scimClient(t.url, tenant.directoryId, tenant.token);
  const create = async (path: string, body: unknown): Promise<string> => {
    const res = await scim.post(path, body);
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  };
  return {
    ...tenant,
    scim,
    user: (name: string) => create('/Users', userBody(name)),
    group: (displayName: string) => create('/Groups', { schemas: [GROUP_SCHEMA], displayName }),
    events: async (after = 0): Promise<Event[]> => {
      const res = await api(`/events?directoryId=${tenant.directoryId}&limit=1000&after=${after}`);
      expect(res.status, res.text).toBe(200);
      return res.body.data as Event[];
    },
  };
}

const add = (scim: ScimClient, groupId: string, ids: string[], headers?: Record<string, string>) =>
  scim.patch(
    `/Groups/${groupId}`,
    {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }],
    },
    headers,
  );

async function memberIds(scim: ScimClient, groupId: string): Promise<string[]> {
  const res = await scim.get(`/Groups/${groupId}`);
  expect(res.status).toBe(200);
  return ((res.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
}

const remove = (scim: ScimClient, groupId: string, operation: object, headers?: Record<string, string>) =>
  scim.patch(
    `/Groups/${groupId}`,
    { schemas: [PATCH_OP], Operations: [{ op: 'Remove', ...operation }] },
    headers,
  );

const lastSequence = (events: Event[]) => events.at(-1)?.sequence ?? 0;

async function toleranceCount(directoryId: string, name: string): Promise<number | undefined> {
  const res = await api(`/directories/${directoryId}/tolerance`);
  expect(res.status).toBe(200);
  return (res.body.normalizations as { name: string; count: number }[]).find((n) => n.name === name)?.count;
}

describe('a PATCH that only adds or only removes members, in one statement', () => {
  test('adds, versions and reports exactly what the transactional path does, users and groups alike', async () => {
    const d = await entra();
    const [a, b, c] = [await d.user('a@x.test'), await d.user('b@x.test'), await d.user('c@x.test')];
    const nested = await d.group('Nested');
    const [alone, inTransaction] = [await d.group('Alone'), await d.group('In transaction')];
    const before = lastSequence(await d.events());

    const one = await add(d.scim, alone, [c, nested, a, b]);
    expect(one.status).toBe(204);
    const two = await add(d.scim, inTransaction, [c, nested, a, b], { 'if-match': 'W/"1"' });
    expect(two.status).toBe(204);
    expect(one.headers.get('etag')).toBe('W/"2"');
    expect(two.headers.get('etag')).toBe('W/"2"');
    expect(await memberIds(d.scim, alone)).toEqual([a, b, c, nested].sort());
    expect(await memberIds(d.scim, inTransaction)).toEqual([a, b, c, nested].sort());

    const events = await d.events(before);
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 8 }, (_, i) => before + 1 + i));
    expect(new Set(events.map((e) => e.id)).size).toBe(8);
    const of = (groupId: string) =>
      events.filter((e) => e.data.groupId === groupId).map(({ type, data }) => ({ type, data }));
    // One event per member, in member id order, members of both types each with their own type.
    expect(of(alone)).toHaveLength(4);
    expect(of(alone)).toEqual(of(inTransaction).map((e) => ({ ...e, data: { ...e.data, groupId: alone } })));
    expect(of(alone).map((e) => e.data.memberId)).toEqual([a, b, c, nested].sort());
    expect(of(alone).find((e) => e.data.memberId === nested)?.data.memberType).toBe('Group');
    expect(of(alone).find((e) => e.data.memberId === a)).toEqual({
      type: 'group.member_added',
      data: { groupId: alone, memberId: a, memberType: 'User' },
    });

    // Members of one type: that type is stored once for the row (migration 0021), each event still carries it.
    const usersOnly = await d.group('Users only');
    const after = lastSequence(await d.events());
    expect((await add(d.scim, usersOnly, [c, a, b])).status).toBe(204);
    expect((await d.events(after)).map(({ type, data }) => ({ type, data }))).toEqual(
      [a, b, c].sort().map((memberId) => ({
        type: 'group.member_added',
        data: { groupId: usersOnly, memberId, memberType: 'User' },
      })),
    );

    // User.groups reads the memberships it wrote.
    const read = await d.scim.get(`/Users/${a}`);
    expect(read.body.groups.map((g: { value: string }) => g.value).sort()).toEqual(
      [alone, inTransaction, usersOnly].sort(),
    );
  });

  test('members the group has already are not added again: no new version, no event', async () => {
    const d = await entra();
    const [a, b] = [await d.user('a@y.test'), await d.user('b@y.test')];
    const group = await d.group('Once');
    expect((await add(d.scim, group, [a])).headers.get('etag')).toBe('W/"2"');
    const before = lastSequence(await d.events());

    const again = await add(d.scim, group, [a.toUpperCase(), a]);
    expect(again.status).toBe(204);
    expect(again.headers.get('etag')).toBe('W/"2"');
    expect(await d.events(before)).toEqual([]);

    const more = await add(d.scim, group, [a, b, b]);
    expect(more.headers.get('etag')).toBe('W/"3"');
    expect((await d.events(before)).map((e) => e.data.memberId)).toEqual([b]);
    expect(await memberIds(d.scim, group)).toEqual([a, b].sort());
  });

  test('unknown, malformed and self ids are skipped and counted once per request', async () => {
    const d = await entra();
    const a = await d.user('a@z.test');
    const group = await d.group('Lenient');
    const before = lastSequence(await d.events());
    const res = await add(d.scim, group, [a, randomUUID(), 'not-an-id', group]);
    expect(res.status).toBe(204);
    expect(await memberIds(d.scim, group)).toEqual([a]);
    expect((await d.events(before)).map((e) => e.data.memberId)).toEqual([a]);

    // Only unknown ids: nothing to add, nothing changes.
    const none = await add(d.scim, group, [randomUUID()]);
    expect(none.status).toBe(204);
    expect(none.headers.get('etag')).toBe('W/"2"');

    expect(await toleranceCount(d.directoryId, 'unknown-members-skipped')).toBe(2);
  });

  test('a group that does not exist, or is in another directory, is 404 and nothing is written', async () => {
    const d = await entra();
    const other = await entra();
    const a = await d.user('a@w.test');
    const theirs = await other.group('Theirs');
    const before = lastSequence(await d.events());
    expect((await add(d.scim, newUuidV7(), [a])).status).toBe(404);
    expect((await add(d.scim, theirs, [a])).status).toBe(404);
    expect(await d.events(before)).toEqual([]);
    expect(await memberIds(other.scim, theirs)).toEqual([]);
  });

  test('50 concurrent adds of different members to one group lose none; each member is one event', async () => {
    const d = await entra();
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => d.user(`c${i}@v.test`)));
    const group = await d.group('Busy');
    const before = lastSequence(await d.events());
    const results = await Promise.all(ids.map((id) => add(d.scim, group, [id])));
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 204));
    expect(await memberIds(d.scim, group)).toEqual([...ids].sort());
    const events = await d.events(before);
    expect(events.map((e) => e.data.memberId).sort()).toEqual([...ids].sort());
    expect(events.map((e) => e.sequence)).toEqual(ids.map((_, i) => before + 1 + i));
    const read = await d.scim.get(`/Groups/${group}`);
    expect(read.body.meta.version).toBe('W/"51"');
  });

  test('concurrent adds naming the same members add each once, one event each', async () => {
    const d = await entra();
    const shared = await Promise.all(Array.from({ length: 10 }, (_, i) => d.user(`s${i}@o.test`)));
    const own = await Promise.all(Array.from({ length: 20 }, (_, i) => d.user(`o${i}@o.test`)));
    const group = await d.group('Overlapping');
    const before = lastSequence(await d.events());
    const results = await Promise.all(own.map((id) => add(d.scim, group, [...shared, id])));
    expect(results.map((r) => r.status)).toEqual(own.map(() => 204));
    const everyone = [...shared, ...own].sort();
    expect(await memberIds(d.scim, group)).toEqual(everyone);
    const events = await d.events(before);
    expect(events.map((e) => e.data.memberId).sort()).toEqual(everyone);
    expect(events.every((e) => e.type === 'group.member_added')).toBe(true);
    // One version per add that changed something: the first added the shared members, each added its own.
    expect((await d.scim.get(`/Groups/${group}`)).body.meta.version).toBe(`W/"${1 + own.length}"`);
  });

  test('with unknown ids not to be skipped, the statement writes nothing and reports them', async () => {
    const d = await entra();
    const [a, b] = [await d.user('a@u.test'), await d.user('b@u.test')];
    const group = await d.group('Strict');
    const scope = { organizationId: d.organizationId, directoryId: d.directoryId } as Parameters<
      typeof addMembersAlone
    >[1];
    const members = [{ value: a }, { value: randomUUID() }, { value: 'garbage' }];
    const refused = await addMembersAlone(t.db.pool, scope, group, members, false);
    expect(refused).toMatchObject({ unknown: 2, changed: 0, row: { id: group, version: 1 } });
    expect(await memberIds(d.scim, group)).toEqual([]);

    const done = await addMembersAlone(t.db.pool, scope, group, [{ value: b }], false);
    expect(done).toMatchObject({ unknown: 0, changed: 1, row: { id: group, version: 2 } });
    expect(await memberIds(d.scim, group)).toEqual([b]);
  });

  test('removes, by value list or filter, as the transactional path does; non-members and non-ids are ignored', async () => {
    const d = await entra();
    const [a, b, c] = [await d.user('a@r.test'), await d.user('b@r.test'), await d.user('c@r.test')];
    const nested = await d.group('Nested');
    const [alone, inTransaction] = [await d.group('Alone'), await d.group('In transaction')];
    for (const group of [alone, inTransaction]) {
      expect((await add(d.scim, group, [a, b, c, nested])).headers.get('etag')).toBe('W/"2"');
    }
    const before = lastSequence(await d.events());
    // Entra's value list (IDP-QUIRKS §1 item 4), with a stranger and a non-id that are no members.
    const list = {
      path: 'members',
      value: [nested, randomUUID(), c, 'garbage', a].map((value) => ({ value })),
    };
    const one = await remove(d.scim, alone, list);
    const two = await remove(d.scim, inTransaction, list, { 'if-match': 'W/"2"' });
    expect([one.status, two.status]).toEqual([204, 204]);
    expect([one.headers.get('etag'), two.headers.get('etag')]).toEqual(['W/"3"', 'W/"3"']);
    expect(await memberIds(d.scim, alone)).toEqual([b]);
    expect(await memberIds(d.scim, inTransaction)).toEqual([b]);
    const events = await d.events(before);
    const of = (groupId: string) =>
      events.filter((e) => e.data.groupId === groupId).map(({ type, data }) => ({ type, data }));
    expect(of(alone)).toEqual(of(inTransaction).map((e) => ({ ...e, data: { ...e.data, groupId: alone } })));
    expect(of(alone)).toEqual(
      [
        { memberId: a, memberType: 'User' },
        { memberId: c, memberType: 'User' },
        { memberId: nested, memberType: 'Group' },
      ]
        .sort((x, y) => (x.memberId < y.memberId ? -1 : 1))
        .map((m) => ({ type: 'group.member_removed', data: { groupId: alone, ...m } })),
    );

    // Okta's filter form; a removal of no member changes nothing.
    const after = lastSequence(await d.events());
    const filter = { path: `members[value eq "${b}" or value eq "${a}"]` };
    const removed = await remove(d.scim, alone, filter);
    expect(removed.headers.get('etag')).toBe('W/"4"');
    expect(await memberIds(d.scim, alone)).toEqual([]);
    expect((await d.events(after)).map((e) => [e.type, e.data.memberId])).toEqual([
      ['group.member_removed', b],
    ]);
    const nothing = await remove(d.scim, alone, filter);
    expect(nothing.status).toBe(204);
    expect(nothing.headers.get('etag')).toBe('W/"4"');
    expect((await remove(d.scim, newUuidV7(), filter)).status).toBe(404);
    expect(await d.events(after + 1)).toEqual([]);
  });

  test('what a membership PATCH tolerated is counted once, whichever path applies it', async () => {
    const d = await entra();
    const [a, b] = [await d.user('a@q.test'), await d.user('b@q.test')];
    const group = await d.group('Counted');
    await add(d.scim, group, [a, b]);
    // One statement: a value-list removal.
    expect((await remove(d.scim, group, { path: 'members', value: [{ value: a }] })).status).toBe(204);
    expect(await toleranceCount(d.directoryId, 'member-remove-value-list')).toBe(1);
    // Two membership changes in one PATCH take the transaction, which counts the removal itself.
    const both = await d.scim.patch(`/Groups/${group}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Remove', path: 'members', value: [{ value: b }] },
        { op: 'Add', path: 'members', value: [{ value: a }] },
      ],
    });
    expect(both.status).toBe(204);
    expect(await memberIds(d.scim, group)).toEqual([a]);
    expect(await toleranceCount(d.directoryId, 'member-remove-value-list')).toBe(2);
  });
});
