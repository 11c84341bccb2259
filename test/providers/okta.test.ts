/**
 * Okta (IDP-QUIRKS.md §3), replayed through HTTP against an `okta` directory: the OIN user lifecycle (existence
 * check, create with password, GET then full PUT, no-path deactivate; never a DELETE), group push, AIW's
 * PUT-everything variant, imports, and the OIN SCIM 2.0 spec test's probes.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  created,
  filter,
  groupIdsOf,
  list,
  memberIds,
  patchOp,
  sorted,
  useProviderApp,
} from '../support/provider-app.js';
import { GROUP_SCHEMA, type ScimClient, USER_SCHEMA } from '../support/scim-client.js';

const provider = useProviderApp('okta');
// [O-S]: GETs carry a JSON content type although they have no body; POSTs are application/json.
const OKTA_GET = {
  'content-type': 'application/scim+json; charset=utf-8',
  'user-agent': 'Okta SCIM Client 1.0.0',
};
const OKTA_WRITE = { 'content-type': 'application/json', 'user-agent': 'Okta SCIM Client 1.0.0' };

// [O-R] Create the User: password, the read-only groups: [], locale and Okta's user id as externalId.
const createBody = (userName: string) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: `00u${randomUUID().replaceAll('-', '').slice(0, 17)}`,
  groups: [],
  password: '1mz050nq',
  active: true,
});

async function okGet(scim: ScimClient, path: string): Promise<Record<string, any>> {
  const res = await scim.get(path, OKTA_GET);
  expect(res.status, res.text).toBe(200);
  return res.body as Record<string, any>;
}

async function oktaPatch(scim: ScimClient, path: string, ...operations: unknown[]) {
  const res = await scim.patch(path, patchOp(...operations), OKTA_WRITE);
  expect(res.status, res.text).toBe(200);
  return res.body as Record<string, any>;
}

async function pushedUser(scim: ScimClient, userName: string): Promise<string> {
  const res = await scim.post('/Users', createBody(userName), OKTA_WRITE);
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

describe('user lifecycle (OIN)', () => {
  test('okta: existence check, create with password, GET, full PUT, then no-path deactivate and reactivate', async () => {
    const scim = await provider.directory();
    const userName = 'test.user@okta.local';
    const check = `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`;
    const none = await okGet(scim, check);
    expect(none).toMatchObject({ totalResults: 0, startIndex: 1 });

    const body = createBody(userName);
    const post = await scim.post('/Users', body, OKTA_WRITE);
    expect(post.status).toBe(201);
    // Okta fails on an empty create response ("Create new user returned empty user").
    expect(post.body).toMatchObject({ id: expect.any(String), userName, active: true, locale: 'en-US' });
    expect(post.text).not.toContain('1mz050nq');
    const id = post.body.id as string;
    expect((await okGet(scim, check)).Resources.map((u: { id: string }) => u.id)).toEqual([id]);

    // Profile update: GET, then a full PUT echoing id, meta, groups and emails[].display.
    const current = await okGet(scim, `/Users/${id}`);
    const put = await scim.put(
      `/Users/${id}`,
      {
        ...body,
        id,
        meta: current.meta,
        name: { givenName: 'Another', familyName: 'User' },
        displayName: 'Another User',
        emails: [{ primary: true, value: userName, type: 'work', display: userName }],
        groups: [],
      },
      OKTA_WRITE,
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id, displayName: 'Another User', name: { givenName: 'Another' } });
    expect(put.text).not.toContain('1mz050nq');
    const afterPut = await okGet(scim, `/Users/${id}`);
    expect(afterPut.emails).toEqual([{ primary: true, value: userName, type: 'work', display: userName }]);
    expect(afterPut.externalId).toBe(body.externalId);

    // Deactivate is a no-path replace; the answer is the updated user (Okta reads it back).
    const off = await oktaPatch(scim, `/Users/${id}`, { op: 'replace', value: { active: false } });
    expect(off).toMatchObject({ id, active: false, displayName: 'Another User' });
    expect((await okGet(scim, `/Users/${id}`)).active).toBe(false);
    expect((await okGet(scim, check)).Resources.map((u: { active: boolean }) => u.active)).toEqual([false]);
    expect((await oktaPatch(scim, `/Users/${id}`, { op: 'replace', value: { active: true } })).active).toBe(
      true,
    );
    expect((await okGet(scim, `/Users/${id}`)).active).toBe(true);
  });

  test('okta: no-path replace {active:false} deactivates and the user stays findable by userName', async () => {
    const scim = await provider.directory();
    const id = await pushedUser(scim, 'leaver@okta.local');
    await oktaPatch(scim, `/Users/${id}`, { op: 'replace', value: { active: false } });
    const found = await okGet(scim, `/Users?${filter('userName eq "leaver@okta.local"')}`);
    expect(found.Resources).toEqual([expect.objectContaining({ id, active: false })]);
  });

  test('okta: password sync as a no-path replace is accepted and the password never comes back', async () => {
    const scim = await provider.directory();
    const id = await pushedUser(scim, 'pw@okta.local');
    const before = await okGet(scim, `/Users/${id}`);
    const res = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: 'replace', value: { password: 'n3wPassw0rd!' } }),
      OKTA_WRITE,
    );
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('n3wPassw0rd!');
    const after = await okGet(scim, `/Users/${id}`);
    expect(after).not.toHaveProperty('password');
    expect(after).toEqual(before);
  });

  test('okta: a PUT without active does not deactivate the user', async () => {
    const scim = await provider.directory();
    const id = await pushedUser(scim, 'noactive@okta.local');
    const withoutActive: Record<string, unknown> = createBody('noactive@okta.local');
    delete withoutActive.active;
    delete withoutActive.password;
    const put = await scim.put(`/Users/${id}`, { ...withoutActive, id }, OKTA_WRITE);
    expect(put.status).toBe(200);
    expect((await okGet(scim, `/Users/${id}`)).active).not.toBe(false);
    const inactive = await okGet(scim, `/Users?${filter('active eq false')}`);
    expect(inactive.totalResults).toBe(0);
  });
});

describe('user lifecycle (AIW)', () => {
  test('okta AIW: deactivate and reactivate arrive as full PUTs with active false and true', async () => {
    const scim = await provider.directory();
    const id = await pushedUser(scim, 'aiw@okta.local');
    const body = { ...createBody('aiw@okta.local'), id };
    expect((await scim.put(`/Users/${id}`, { ...body, active: false }, OKTA_WRITE)).status).toBe(200);
    expect((await okGet(scim, `/Users/${id}`)).active).toBe(false);
    expect((await scim.put(`/Users/${id}`, { ...body, active: true }, OKTA_WRITE)).status).toBe(200);
    expect((await okGet(scim, `/Users/${id}`)).active).toBe(true);
  });

  test('okta AIW: group push by PUT with the full member list; omitting a member removes it', async () => {
    const scim = await provider.directory();
    const [a, b] = [await pushedUser(scim, 'a@okta.local'), await pushedUser(scim, 'b@okta.local')];
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'AIW',
      members: [],
    });
    const group = await okGet(scim, `/Groups/${groupId}`);
    const put = async (members: unknown[]) => {
      const res = await scim.put(`/Groups/${groupId}`, { ...group, id: groupId, members }, OKTA_WRITE);
      expect(res.status, res.text).toBe(200);
    };
    await put([
      { value: a, display: 'a@okta.local' },
      { value: b, display: 'b@okta.local' },
    ]);
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));
    const members = (await okGet(scim, `/Groups/${groupId}`)).members as { value: string; display: string }[];
    expect(members.find((m) => m.value === a)?.display).toBe('a@okta.local');
    await put([{ value: b, display: 'b@okta.local' }]);
    expect(await memberIds(scim, groupId)).toEqual([b]);
    expect(await groupIdsOf(scim, a)).toEqual([]);
  });
});

describe('group push', () => {
  test('okta: POST with members [], displayName eq check, rename with {id, displayName}, delta, full replace, DELETE', async () => {
    const scim = await provider.directory();
    const [a, b, c] = [
      await pushedUser(scim, 'one@okta.local'),
      await pushedUser(scim, 'two@okta.local'),
      await pushedUser(scim, 'three@okta.local'),
    ];
    const byName = (name: string) => `/Groups?${filter(`displayName eq "${name}"`)}`;
    expect((await okGet(scim, byName('Test SCIMv2'))).totalResults).toBe(0);
    const post = await scim.post(
      '/Groups',
      { schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] },
      OKTA_WRITE,
    );
    expect(post.status).toBe(201);
    const groupId = post.body.id as string;
    expect((await okGet(scim, byName('Test SCIMv2'))).Resources.map((g: { id: string }) => g.id)).toEqual([
      groupId,
    ]);

    // The rename carries the group's own read-only id, and is re-sent with every membership update.
    const rename = { op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2 Renamed' } };
    await oktaPatch(scim, `/Groups/${groupId}`, rename, {
      op: 'add',
      path: 'members',
      value: [
        { value: a, display: 'one@okta.local' },
        { value: b, display: 'two@okta.local' },
      ],
    });
    expect((await okGet(scim, `/Groups/${groupId}`)).displayName).toBe('Test SCIMv2 Renamed');
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));

    // Membership delta in one request: remove by filter, then add.
    await oktaPatch(
      scim,
      `/Groups/${groupId}`,
      rename,
      { op: 'remove', path: `members[value eq "${a}"]` },
      { op: 'add', path: 'members', value: [{ value: c, display: 'three@okta.local' }] },
    );
    expect(await memberIds(scim, groupId)).toEqual(sorted(b, c));
    expect(await groupIdsOf(scim, a)).toEqual([]);
    expect(await groupIdsOf(scim, c)).toEqual([groupId]);

    // Full sync: replace members is the whole list, never a merge (IDP-QUIRKS §11.1).
    const full = await oktaPatch(scim, `/Groups/${groupId}`, {
      op: 'replace',
      path: 'members',
      value: [{ value: a, display: 'one@okta.local' }],
    });
    expect(full.members.map((m: { value: string }) => m.value)).toEqual([a]);
    expect(await memberIds(scim, groupId)).toEqual([a]);
    expect((await okGet(scim, `/Groups/${groupId}`)).displayName).toBe('Test SCIMv2 Renamed');

    // Unlink with "Delete the group in the target app".
    expect((await scim.delete(`/Groups/${groupId}`, OKTA_WRITE)).status).toBe(204);
    expect((await scim.get(`/Groups/${groupId}`, OKTA_GET)).status).toBe(404);
    expect(await groupIdsOf(scim, a)).toEqual([]);
  });

  test('okta: one unknown member id in a push is skipped and the other members are still added', async () => {
    const scim = await provider.directory();
    const a = await pushedUser(scim, 'known@okta.local');
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Partial',
      members: [],
    });
    await oktaPatch(scim, `/Groups/${groupId}`, {
      op: 'add',
      path: 'members',
      value: [
        { value: randomUUID(), display: 'ghost@okta.local' },
        { value: a, display: 'known@okta.local' },
      ],
    });
    expect(await memberIds(scim, groupId)).toEqual([a]);
    // The same holds for a full replace.
    await oktaPatch(scim, `/Groups/${groupId}`, {
      op: 'replace',
      path: 'members',
      value: [{ value: 'not-a-uuid' }, { value: a }],
    });
    expect(await memberIds(scim, groupId)).toEqual([a]);
  });

  test('okta: removing a member that is not in the group is a no-op success', async () => {
    const scim = await provider.directory();
    const a = await pushedUser(scim, 'stays@okta.local');
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Stale',
      members: [{ value: a }],
    });
    await oktaPatch(scim, `/Groups/${groupId}`, {
      op: 'remove',
      path: `members[value eq "${randomUUID()}"]`,
    });
    expect(await memberIds(scim, groupId)).toEqual([a]);
  });

  test('okta: the SCIM 1.1 custom group extension urn:okta:custom:group:1.0 is tolerated', async () => {
    const scim = await provider.directory();
    const res = await scim.post(
      '/Groups',
      {
        schemas: [GROUP_SCHEMA, 'urn:okta:custom:group:1.0'],
        displayName: 'With Description',
        members: [],
        'urn:okta:custom:group:1.0': { description: 'pushed from Okta' },
      },
      OKTA_WRITE,
    );
    expect(res.status).toBe(201);
    const group = await okGet(scim, `/Groups/${res.body.id}`);
    expect(group.displayName).toBe('With Description');
    // Kept as sent (the okta profile is lenient about what it does not know) and counted for the operator.
    expect(group['urn:okta:custom:group:1.0']).toEqual({ description: 'pushed from Okta' });
  });
});

describe('imports', () => {
  test('okta: users and groups import with startIndex/count pages of 100, integer counters and a stable order', async () => {
    const scim = await provider.directory();
    const ids = await Promise.all(
      Array.from({ length: 105 }, (_, i) =>
        pushedUser(scim, `import.${String(i).padStart(3, '0')}@okta.local`),
      ),
    );
    const first = await list(scim, '/Users?startIndex=1&count=100');
    expect(first).toMatchObject({ totalResults: 105, startIndex: 1, itemsPerPage: 100 });
    const second = await list(scim, '/Users?startIndex=101&count=100');
    expect(second).toMatchObject({ totalResults: 105, startIndex: 101, itemsPerPage: 5 });
    const seen = [...first.Resources, ...second.Resources].map((u) => u.id as string);
    expect(sorted(...seen)).toEqual(sorted(...ids));
    // The same page twice is the same page.
    expect((await list(scim, '/Users?startIndex=1&count=100')).Resources.map((u) => u.id)).toEqual(
      first.Resources.map((u) => u.id),
    );

    const groups = await Promise.all(
      ['g1', 'g2', 'g3'].map((name) =>
        created(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: name }),
      ),
    );
    const groupPage = await list(scim, '/Groups?startIndex=1&count=100');
    expect(groupPage).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 3 });
    expect(sorted(...groupPage.Resources.map((g) => g.id as string))).toEqual(sorted(...groups));
  });
});

describe('OIN SCIM 2.0 spec test', () => {
  test('okta: GET /Users?count=1&startIndex=1 returns one user with the attributes the spec test reads', async () => {
    const scim = await provider.directory();
    await pushedUser(scim, 'spec.first@okta.local');
    await pushedUser(scim, 'spec.second@okta.local');
    const page = await okGet(scim, '/Users?count=1&startIndex=1');
    expect(page).toMatchObject({ totalResults: 2, startIndex: 1, itemsPerPage: 1 });
    expect(page.Resources).toHaveLength(1);
    const [user] = page.Resources as Record<string, any>[];
    expect(user).toMatchObject({
      id: expect.any(String),
      userName: expect.any(String),
      active: true,
      name: { familyName: 'User', givenName: 'Test' },
    });
    expect(user!.emails[0].value).toEqual(expect.any(String));
  });

  test('okta: an unknown user id is 404 with the Error schema and a detail', async () => {
    const scim = await provider.directory();
    const res = await scim.get(`/Users/${randomUUID()}`, OKTA_GET);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(res.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
    });
    expect(res.body.detail.length).toBeGreaterThan(0);
  });

  test('okta: a duplicate userName with a different email is 409, compared case-insensitively', async () => {
    const scim = await provider.directory();
    const id = await pushedUser(scim, 'dup@okta.local');
    const res = await scim.post(
      '/Users',
      {
        ...createBody('DUP@okta.local'),
        emails: [{ primary: true, value: 'other@okta.local', type: 'work' }],
      },
      OKTA_WRITE,
    );
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
    });
    expect((await list(scim, '/Users')).Resources.map((u) => u.id)).toEqual([id]);
  });

  test('okta: an upper-cased userName filter answers 200 and finds the user', async () => {
    const scim = await provider.directory();
    const id = await pushedUser(scim, 'case@okta.local');
    const found = await okGet(
      scim,
      `/Users?${filter('userName eq "CASE@OKTA.LOCAL"')}&startIndex=1&count=100`,
    );
    expect(found.Resources.map((u: { id: string }) => u.id)).toEqual([id]);
  });

  test('okta: GET /Groups answers 200 within 600 ms', async () => {
    const scim = await provider.directory();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        created(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: `G${i}` }),
      ),
    );
    await scim.get('/Groups', OKTA_GET); // Okta's suite times a warm server, not this process's first compile
    const started = performance.now();
    const res = await scim.get('/Groups', OKTA_GET);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(20);
    expect(elapsed).toBeLessThan(600);
  });
});
