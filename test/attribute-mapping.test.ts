/**
 * Attribute mapping (docs/attribute-mapping.md) through the admin API and SCIM on real PostgreSQL: the app's
 * names for SCIM paths show in the normalized user, a new mapping recomputes users without SCIM traffic (with
 * events for exactly the users it changes), a dry run changes nothing, and app-owned names keep the app's value.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ENTERPRISE,
  PATCH_OP,
  USER_SCHEMA,
  type ScimClient,
  scimClient,
  userBody,
} from './support/scim-client.js';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Event {
  sequence: number;
  type: string;
  data: Record<string, any>;
  previous?: Record<string, any>;
}

const api = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
  http(`${t.url}/api/v1${path}`, { key: t.adminKey, ...init });

async function directory() {
  const tenant = await createTenant(t);
  return { ...tenant, scim: scimClient(t.url, tenant.directoryId, tenant.token) };
}

async function putMapping(directoryId: string, mappings: unknown[], query = '') {
  return api(`/directories/${directoryId}/attribute-mapping${query}`, { method: 'PUT', body: { mappings } });
}

async function userEvents(directoryId: string, after = 0): Promise<Event[]> {
  const res = await api(`/events?directoryId=${directoryId}&limit=1000&after=${after}`);
  expect(res.status, res.text).toBe(200);
  return (res.body.data as Event[]).filter((e) => e.type.startsWith('user.'));
}

async function lastSequence(directoryId: string): Promise<number> {
  const res = await api(`/events?directoryId=${directoryId}&limit=1000`);
  return (res.body.data as Event[]).at(-1)?.sequence ?? 0;
}

async function createUser(scim: ScimClient, userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim.post('/Users', userBody(userName, extra));
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

const enterprise = (values: Record<string, unknown>) => ({
  schemas: [USER_SCHEMA, ENTERPRISE],
  [ENTERPRISE]: values,
});

const replace = (path: string, value: unknown) => ({
  schemas: [PATCH_OP],
  Operations: [{ op: 'replace', path, value }],
});

const FULL_MAPPING = [
  { name: 'department', path: `${ENTERPRISE}:department` },
  { name: 'managerId', path: `${ENTERPRISE}:manager.value` },
  { name: 'workEmail', path: 'emails[type eq "work"].value' },
  { name: 'city', path: 'addresses[type eq "work"].locality' },
  { name: 'title', path: 'title', owner: 'idp' },
];

describe('mapping', () => {
  test('core, enterprise and value-filtered paths show in customAttributes of SCIM-created users', async () => {
    const { directoryId, scim } = await directory();
    const put = await putMapping(directoryId, FULL_MAPPING);
    expect(put.status, put.text).toBe(200);
    const stored = FULL_MAPPING.map((m) => ({ owner: 'idp', ...m }));
    expect(put.body).toEqual({ mappings: stored, affectedUsers: 0 });
    expect((await api(`/directories/${directoryId}/attribute-mapping`)).body).toEqual({ mappings: stored });

    const id = await createUser(scim, 'ada@example.com', {
      ...enterprise({ department: 'Engineering', manager: { value: 'boss-1' } }),
      emails: [
        { value: 'ada.home@example.org', type: 'home', primary: true },
        { value: 'ada@example.com', type: 'work' },
      ],
      addresses: [
        { type: 'home', locality: 'London' },
        { type: 'work', locality: 'Cambridge' },
      ],
    });
    const bare = await createUser(scim, 'bare@example.com');

    const expected = {
      department: 'Engineering',
      managerId: 'boss-1',
      workEmail: 'ada@example.com',
      city: 'Cambridge',
      title: null,
    };
    const one = await api(`/directories/${directoryId}/users/${id}`);
    expect(one.status, one.text).toBe(200);
    expect(one.body).toMatchObject({ customAttributes: expected, idpAttributes: {} });
    const list = await api(`/directories/${directoryId}/users`);
    expect(list.body.data.map((u: any) => [u.id, u.customAttributes])).toEqual([
      [id, expected],
      [bare, { department: null, managerId: null, workEmail: 'bare@example.com', city: null, title: null }],
    ]);
    // The event carries the same projection.
    const [created] = await userEvents(directoryId);
    expect(created).toMatchObject({ type: 'user.created', data: { id, customAttributes: expected } });
  });

  test.each([
    [[{ name: 'bad-name', path: 'title' }], 'mappings[0] ("bad-name"): a name starts with a letter'],
    [[{ name: 'x', path: 'nope' }], 'mappings[0] ("x"): path "nope" is invalid'],
    [[{ name: 'x', path: 'emails[type eq "work"' }], 'mappings[0] ("x"): path'],
    [[{ name: 'x', path: 'password' }], 'writeOnly'],
    [[{ name: 'x', path: 'department' }], 'must name the extension'],
    [
      [
        { name: 'x', path: 'title' },
        { name: 'x', path: 'nickName' },
      ],
      'mappings[1] ("x"): the name is already used by mappings[0]',
    ],
    [Array.from({ length: 101 }, (_, i) => ({ name: `a${i}`, path: 'title' })), 'at most 100 mappings'],
  ])('an invalid mapping is 400 and stores nothing (%#)', async (mappings, message) => {
    const { directoryId } = await directory();
    expect((await putMapping(directoryId, [{ name: 'title', path: 'title' }])).status).toBe(200);
    for (const query of ['', '?dryRun=true']) {
      const res = await putMapping(directoryId, mappings, query);
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toContain(message);
    }
    const stored = await api(`/directories/${directoryId}/attribute-mapping`);
    expect(stored.body.mappings).toEqual([{ name: 'title', path: 'title', owner: 'idp' }]);
  });

  test('a malformed body or an unknown query parameter is 400', async () => {
    const { directoryId } = await directory();
    expect((await putMapping(directoryId, [{ name: 'x' }])).status).toBe(400);
    expect((await putMapping(directoryId, [{ name: 'x', path: 'title', owner: 'me' }])).status).toBe(400);
    expect((await putMapping(directoryId, [], '?dryrun=true')).status).toBe(400);
  });
});

describe('changing the mapping', () => {
  async function threeUsers() {
    const d = await directory();
    const eng = await createUser(d.scim, 'eng@example.com', enterprise({ department: 'Engineering' }));
    const ops = await createUser(d.scim, 'ops@example.com', enterprise({ department: 'Operations' }));
    const none = await createUser(d.scim, 'none@example.com');
    expect(
      (await putMapping(d.directoryId, [{ name: 'department', path: `${ENTERPRISE}:department` }])).status,
    ).toBe(200);
    return { ...d, eng, ops, none };
  }

  test('recomputes users without SCIM traffic, with user.updated for exactly the affected users', async () => {
    const { directoryId, eng, ops, none } = await threeUsers();
    const since = await lastSequence(directoryId);
    // department -> division renames the name for everyone.
    const res = await putMapping(directoryId, [{ name: 'division', path: `${ENTERPRISE}:department` }]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.affectedUsers).toBe(3);
    const events = await userEvents(directoryId, since);
    expect(events.map((e) => [e.type, e.data.id, e.data.customAttributes, e.previous])).toEqual([
      ['user.updated', eng, { division: 'Engineering' }, { customAttributes: { department: 'Engineering' } }],
      ['user.updated', ops, { division: 'Operations' }, { customAttributes: { department: 'Operations' } }],
      ['user.updated', none, { division: null }, { customAttributes: { department: null } }],
    ]);
    const user = await api(`/directories/${directoryId}/users/${ops}`);
    expect(user.body.customAttributes).toEqual({ division: 'Operations' });

    // The same mapping again (with another spelling of the same path) affects nobody.
    const since2 = await lastSequence(directoryId);
    const narrowed = await putMapping(directoryId, [
      { name: 'division', path: `${ENTERPRISE}:department` },
      { name: 'costCenter', path: `${ENTERPRISE}:costCenter` },
    ]);
    expect(narrowed.body.affectedUsers).toBe(3);
    const unchanged = await putMapping(directoryId, [
      { name: 'division', path: `${ENTERPRISE}:department` },
      { name: 'costCenter', path: `${ENTERPRISE.toUpperCase()}:COSTCENTER` },
    ]);
    expect(unchanged.body.affectedUsers).toBe(0);
    expect((await userEvents(directoryId, since2)).length).toBe(3);
  });

  test('only users whose normalized state changes are affected, and only they get events', async () => {
    const { directoryId, scim, eng, ops } = await threeUsers();
    // `eng` has the same title as department, `ops` none, `none` neither: moving `department` to `title`
    // changes `ops` only.
    expect((await scim.patch(`/Users/${eng}`, replace('title', 'Engineering'))).status).toBe(200);
    const since = await lastSequence(directoryId);
    const res = await putMapping(directoryId, [{ name: 'department', path: 'title' }]);
    expect(res.body.affectedUsers).toBe(1);
    const events = await userEvents(directoryId, since);
    expect(events.map((e) => [e.type, e.data.id, e.data.customAttributes, e.previous])).toEqual([
      ['user.updated', ops, { department: null }, { customAttributes: { department: 'Operations' } }],
    ]);
  });

  test('dryRun previews the count and a sample, and changes nothing', async () => {
    const { directoryId, eng, ops, none } = await threeUsers();
    const since = await lastSequence(directoryId);
    const res = await putMapping(
      directoryId,
      [{ name: 'division', path: `${ENTERPRISE}:department`, owner: 'app' }],
      '?dryRun=true',
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      dryRun: true,
      mappings: [{ name: 'division', path: `${ENTERPRISE}:department`, owner: 'app' }],
      affectedUsers: 3,
      sample: [
        {
          id: eng,
          userName: 'eng@example.com',
          before: { customAttributes: { department: 'Engineering' }, idpAttributes: {} },
          after: {
            customAttributes: { division: 'Engineering' },
            idpAttributes: { division: 'Engineering' },
          },
        },
        {
          id: ops,
          userName: 'ops@example.com',
          before: { customAttributes: { department: 'Operations' }, idpAttributes: {} },
          after: { customAttributes: { division: 'Operations' }, idpAttributes: { division: 'Operations' } },
        },
        {
          id: none,
          userName: 'none@example.com',
          before: { customAttributes: { department: null }, idpAttributes: {} },
          after: { customAttributes: { division: null }, idpAttributes: { division: null } },
        },
      ],
    });
    expect(await lastSequence(directoryId)).toBe(since);
    expect((await api(`/directories/${directoryId}/attribute-mapping`)).body.mappings).toEqual([
      { name: 'department', path: `${ENTERPRISE}:department`, owner: 'idp' },
    ]);
    expect((await api(`/directories/${directoryId}/users/${eng}`)).body.customAttributes).toEqual({
      department: 'Engineering',
    });
  });

  test('the dry-run sample holds at most 20 users while the count covers all', async () => {
    const { directoryId, scim } = await directory();
    for (let i = 0; i < 23; i++) await createUser(scim, `u${i}@example.com`);
    const res = await putMapping(directoryId, [{ name: 'title', path: 'title' }], '?dryRun=true');
    expect(res.body.affectedUsers).toBe(23);
    expect(res.body.sample).toHaveLength(20);
  });
});

describe('SCIM writes', () => {
  test('a PATCH of a mapped attribute emits user.updated with previous.customAttributes; an unmapped one, nothing', async () => {
    const { directoryId, scim } = await directory();
    expect(
      (await putMapping(directoryId, [{ name: 'department', path: `${ENTERPRISE}:department` }])).status,
    ).toBe(200);
    const id = await createUser(scim, 'ada@example.com', enterprise({ department: 'Engineering' }));
    const since = await lastSequence(directoryId);

    expect((await scim.patch(`/Users/${id}`, replace(`${ENTERPRISE}:costCenter`, '42'))).status).toBe(200);
    expect((await scim.patch(`/Users/${id}`, replace('title', 'Countess'))).status).toBe(200);
    expect(await userEvents(directoryId, since)).toEqual([]);

    expect((await scim.patch(`/Users/${id}`, replace(`${ENTERPRISE}:department`, 'Research'))).status).toBe(
      200,
    );
    const [updated, ...rest] = await userEvents(directoryId, since);
    expect(rest).toEqual([]);
    expect(updated).toMatchObject({
      type: 'user.updated',
      data: { id, customAttributes: { department: 'Research' } },
      previous: { customAttributes: { department: 'Engineering' } },
    });
    expect(Object.keys(updated!.previous!)).toEqual(['customAttributes']);
  });

  test('a SCIM write waiting behind a mapping change computes its events with the new mapping', async () => {
    const { directoryId, scim } = await directory();
    const id = await createUser(scim, 'ada@example.com', enterprise({ department: 'A' }));
    const since = await lastSequence(directoryId);
    const waiting = async (n: number) => {
      for (let i = 0; i < 200; i++) {
        const { rows } = await t.db.pool.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'`,
          [t.db.name],
        );
        if (rows[0]!.n >= n) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`never saw ${n} waiting sessions`);
    };
    // Hold the directory row, so that the mapping change queues first and the SCIM write (with its model
    // loaded before the change) queues behind it.
    const blocker = await t.db.pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from directories where id = $1 for update', [directoryId]);
      const put = putMapping(directoryId, [{ name: 'department', path: `${ENTERPRISE}:department` }]);
      await waiting(1);
      const patch = scim.patch(`/Users/${id}`, replace(`${ENTERPRISE}:department`, 'B'));
      await waiting(2);
      await blocker.query('commit');
      expect((await put).status).toBe(200);
      expect((await patch).status).toBe(200);
    } finally {
      blocker.release();
    }
    const events = await userEvents(directoryId, since);
    expect(events.map((e) => [e.type, e.data.customAttributes, e.previous])).toEqual([
      ['user.updated', { department: 'A' }, { customAttributes: {} }],
      ['user.updated', { department: 'B' }, { customAttributes: { department: 'A' } }],
    ]);
  });
});

describe('app-owned attributes', () => {
  test('the app value wins over the IdP, which stays visible in idpAttributes', async () => {
    const { directoryId, scim } = await directory();
    expect(
      (
        await putMapping(directoryId, [
          { name: 'department', path: `${ENTERPRISE}:department`, owner: 'app' },
          { name: 'title', path: 'title' },
        ])
      ).status,
    ).toBe(200);
    const id = await createUser(scim, 'ada@example.com', enterprise({ department: 'Engineering' }));
    const path = `/directories/${directoryId}/users/${id}/custom-attributes`;
    const user = async () => (await api(`/directories/${directoryId}/users/${id}`)).body;
    expect(await user()).toMatchObject({
      customAttributes: { department: 'Engineering', title: null },
      idpAttributes: { department: 'Engineering' },
    });

    let since = await lastSequence(directoryId);
    const set = await api(path, { method: 'PATCH', body: { department: 'Analytical Engines' } });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({
      id,
      customAttributes: { department: 'Analytical Engines', title: null },
      idpAttributes: { department: 'Engineering' },
    });
    expect(await userEvents(directoryId, since)).toMatchObject([
      {
        type: 'user.updated',
        data: { customAttributes: { department: 'Analytical Engines' } },
        previous: { customAttributes: { department: 'Engineering', title: null } },
      },
    ]);

    // The IdP changes the attribute: recorded, but the app's value stays effective.
    since = await lastSequence(directoryId);
    expect((await scim.patch(`/Users/${id}`, replace(`${ENTERPRISE}:department`, 'Research'))).status).toBe(
      200,
    );
    expect(await user()).toMatchObject({
      customAttributes: { department: 'Analytical Engines' },
      idpAttributes: { department: 'Research' },
    });
    const [idpChange, ...rest] = await userEvents(directoryId, since);
    expect(rest).toEqual([]);
    expect(idpChange).toMatchObject({
      type: 'user.updated',
      data: { idpAttributes: { department: 'Research' } },
      previous: { idpAttributes: { department: 'Engineering' } },
    });
    expect(idpChange!.previous).not.toHaveProperty('customAttributes');
    // The IdP's resource never carries the app's value.
    const scimUser = await scim.get(`/Users/${id}`);
    expect(scimUser.body[ENTERPRISE]).toEqual({ department: 'Research' });

    // Setting the same value again changes nothing and emits nothing; null clears back to the IdP value.
    since = await lastSequence(directoryId);
    expect((await api(path, { method: 'PATCH', body: { department: 'Analytical Engines' } })).status).toBe(
      200,
    );
    expect(await userEvents(directoryId, since)).toEqual([]);
    const cleared = await api(path, { method: 'PATCH', body: { department: null } });
    expect(cleared.body.customAttributes).toEqual({ department: 'Research', title: null });
  });

  test('names that are not app-owned are refused and nothing changes', async () => {
    const { directoryId, scim } = await directory();
    expect(
      (
        await putMapping(directoryId, [
          { name: 'department', path: `${ENTERPRISE}:department`, owner: 'app' },
          { name: 'title', path: 'title' },
        ])
      ).status,
    ).toBe(200);
    const id = await createUser(scim, 'ada@example.com');
    const since = await lastSequence(directoryId);
    const path = `/directories/${directoryId}/users/${id}/custom-attributes`;
    for (const body of [{ title: 'x' }, { department: 'x', unknown: 1 }]) {
      const res = await api(path, { method: 'PATCH', body });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await lastSequence(directoryId)).toBe(since);
    expect((await api(`/directories/${directoryId}/users/${id}`)).body.customAttributes).toEqual({
      department: null,
      title: null,
    });
    const missing = `/directories/${directoryId}/users/${crypto.randomUUID()}/custom-attributes`;
    expect((await api(missing, { method: 'PATCH', body: { department: 'x' } })).status).toBe(404);
  });
});

describe('access', () => {
  test("another organization's key gets 404; scopes are enforced", async () => {
    const mine = await directory();
    const other = await directory();
    const userId = await createUser(other.scim, 'x@example.com');
    const keyOf = async (scopes: string[]) => {
      const key = await api('/admin-keys', {
        method: 'POST',
        body: { organizationId: mine.organizationId, scopes },
      });
      expect(key.status, key.text).toBe(201);
      return key.body.key as string;
    };
    const writer = await keyOf(['admin:read', 'admin:write']);
    const mapping = { mappings: [{ name: 'title', path: 'title', owner: 'app' }] };
    const calls = (dir: string, user: string) =>
      [
        ['GET', `/directories/${dir}/attribute-mapping`, undefined],
        ['PUT', `/directories/${dir}/attribute-mapping`, mapping],
        ['PUT', `/directories/${dir}/attribute-mapping?dryRun=true`, mapping],
        ['PATCH', `/directories/${dir}/users/${user}/custom-attributes`, { title: 'x' }],
      ] as const;
    for (const [method, path, body] of calls(other.directoryId, userId)) {
      const res = await api(path, { method, body, key: writer });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    // Nothing happened to the other organization's directory.
    expect((await api(`/directories/${other.directoryId}/attribute-mapping`)).body.mappings).toEqual([]);

    const reader = await keyOf(['admin:read']);
    expect((await api(`/directories/${mine.directoryId}/attribute-mapping`, { key: reader })).status).toBe(
      200,
    );
    const refused = await api(`/directories/${mine.directoryId}/attribute-mapping`, {
      method: 'PUT',
      body: mapping,
      key: reader,
    });
    expect(refused.status).toBe(403);
    const ok = await api(`/directories/${mine.directoryId}/attribute-mapping`, {
      method: 'PUT',
      body: mapping,
      key: writer,
    });
    expect(ok.status, ok.text).toBe(200);
  });
});
