/**
 * authentik's SCIM provider as a client (IDP-QUIRKS.md §7, read from `authentik/providers/scim/clients/*.py`),
 * replayed through HTTP against an `authentik` directory: the strict ServiceProviderConfig read that decides its
 * mode, users by POST/PUT/DELETE with `application/json`, groups in PATCH mode (members one `add` op each, the
 * whole group as a no-path replace without PatchOp `schemas`, then a GET to diff members), the 409 link, and
 * discovery paging without `count`.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  filter,
  groupIdsOf,
  list,
  memberIds,
  read,
  sorted,
  useProviderApp,
} from '../support/provider-app.js';
import { GROUP_SCHEMA, PATCH_OP, type ScimClient, USER_SCHEMA } from '../support/scim-client.js';

const provider = useProviderApp('authentik');
// `requests` with `json=` sends application/json.
const JSON_TYPE = { 'content-type': 'application/json' };
const AUTH_TYPES = ['oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', 'httpdigest'];

// The default user mapping: userName is the authentik username, not an email.
const userBody = (username: string, uid = randomUUID().replaceAll('-', '')) => ({
  schemas: [USER_SCHEMA],
  userName: username,
  name: { formatted: 'Auth Entik', givenName: 'Auth', familyName: 'Entik' },
  active: true,
  photos: [],
  emails: [{ value: `${username}@authentik.example`, type: 'other', primary: true }],
  externalId: uid,
});

async function post(scim: ScimClient, path: '/Users' | '/Groups', body: unknown): Promise<string> {
  const res = await scim.post(path, body, JSON_TYPE);
  expect(res.status, res.text).toBe(201);
  // "SCIM Response with missing or invalid `id`" stops the sync.
  expect(res.body.id).toEqual(expect.any(String));
  return res.body.id as string;
}

async function patch(scim: ScimClient, path: string, body: unknown): Promise<void> {
  const res = await scim.patch(path, body, JSON_TYPE);
  expect(res.status, res.text).toBe(200);
}

describe('ServiceProviderConfig', () => {
  test('authentik: GET /ServiceProviderConfig validates strictly, with an integer bulk.maxOperations', async () => {
    const scim = await provider.directory();
    const res = await scim.get('/ServiceProviderConfig', JSON_TYPE);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    const spc = res.body as Record<string, any>;
    // The pydantic model's required members; a miss silently switches authentik to PUT-only, no-filter mode.
    expect(spc.patch).toEqual({ supported: true });
    expect(spc.filter.supported).toBe(true);
    expect(spc.bulk).toEqual({
      supported: expect.any(Boolean),
      maxOperations: expect.any(Number),
      maxPayloadSize: expect.any(Number),
    });
    expect(Number.isInteger(spc.bulk.maxOperations)).toBe(true);
    expect(Number.isInteger(spc.bulk.maxPayloadSize)).toBe(true);
    expect(spc.changePassword).toEqual({ supported: expect.any(Boolean) });
    expect(spc.sort).toEqual({ supported: expect.any(Boolean) });
    expect(spc.authenticationSchemes.length).toBeGreaterThan(0);
    for (const scheme of spc.authenticationSchemes as Record<string, unknown>[]) {
      expect(AUTH_TYPES).toContain(scheme.type);
      expect(scheme.name).toEqual(expect.any(String));
      expect(scheme.description).toEqual(expect.any(String));
    }
  });
});

describe('users', () => {
  test('authentik: create with a plain username and an "other" email, PUT with id, then DELETE', async () => {
    const scim = await provider.directory();
    const body = userBody('akadmin');
    const id = await post(scim, '/Users', body);
    const user = await read(scim, `/Users/${id}`);
    expect(user).toMatchObject({ userName: 'akadmin', externalId: body.externalId, name: body.name });
    expect(user.emails).toEqual([{ value: 'akadmin@authentik.example', type: 'other', primary: true }]);
    expect(user).not.toHaveProperty('photos');

    const put = await scim.put(
      `/Users/${id}`,
      { ...body, id, name: { ...body.name, givenName: 'Authy' } },
      JSON_TYPE,
    );
    expect(put.status).toBe(200);
    expect((await read(scim, `/Users/${id}`)).name.givenName).toBe('Authy');
    const off = await scim.put(`/Users/${id}`, { ...body, id, active: false }, JSON_TYPE);
    expect(off.status).toBe(200);
    expect((await read(scim, `/Users/${id}`)).active).toBe(false);

    expect((await scim.delete(`/Users/${id}`, JSON_TYPE)).status).toBe(204);
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
  });
});

describe('groups (PATCH mode)', () => {
  test('authentik: POST without members, one add op per user, whole-group no-path replace without schemas keeps members, GET to diff, remove by value', async () => {
    const scim = await provider.directory();
    const [a, b, c] = [
      await post(scim, '/Users', userBody('alice')),
      await post(scim, '/Users', userBody('bob')),
      await post(scim, '/Users', userBody('carol')),
    ];
    const groupUid = randomUUID();
    const groupId = await post(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'authentik Admins',
      externalId: groupUid,
    });
    expect(await memberIds(scim, groupId)).toEqual([]);

    // _patch_add_users: one operation per user, in one chunk (bulk.maxOperations < 1 means one request).
    await patch(scim, `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [a, b].map((value) => ({ op: 'add', path: 'members', value: [{ value }] })),
    });
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));

    // _update_patch_general: the PatchRequest is dumped with exclude_unset, so its `schemas` is absent.
    await patch(scim, `/Groups/${groupId}`, {
      Operations: [
        {
          op: 'replace',
          value: {
            schemas: [GROUP_SCHEMA],
            displayName: 'authentik Admins 2',
            externalId: groupUid,
            id: groupId,
          },
        },
      ],
    });
    const after = await read(scim, `/Groups/${groupId}`);
    expect(after).toMatchObject({ displayName: 'authentik Admins 2', externalId: groupUid });
    // patch_compare_users GETs the group and diffs `members`: they must be there, untouched by the replace.
    expect(((after.members ?? []) as { value: string }[]).map((m) => m.value).sort()).toEqual(sorted(a, b));

    // The diff sends adds and removes together, remove with path members plus a value list.
    await patch(scim, `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: c }] },
        { op: 'remove', path: 'members', value: [{ value: a }] },
      ],
    });
    expect(await memberIds(scim, groupId)).toEqual(sorted(b, c));
    expect(await groupIdsOf(scim, a)).toEqual([]);

    expect((await scim.delete(`/Groups/${groupId}`, JSON_TYPE)).status).toBe(204);
    expect((await scim.get(`/Groups/${groupId}`)).status).toBe(404);
  });

  test('authentik: a 409 on group create is linked through displayName eq to the existing group', async () => {
    const scim = await provider.directory();
    const existing = await post(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Shared' });
    const dup = await scim.post(
      '/Groups',
      { schemas: [GROUP_SCHEMA], displayName: 'Shared', externalId: 'x' },
      JSON_TYPE,
    );
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
    });
    const found = await list(scim, `/Groups?${filter('displayName eq "Shared"')}`);
    expect(found.Resources[0]?.id).toBe(existing);
    expect(found.totalResults).toBe(1);
  });

  test('authentik: a duplicate userName is 409 as well', async () => {
    const scim = await provider.directory();
    await post(scim, '/Users', userBody('dupe'));
    const dup = await scim.post('/Users', userBody('DUPE'), JSON_TYPE);
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe('uniqueness');
  });
});

describe('discovery', () => {
  test('authentik: GET /Groups, then /Groups?startIndex=N without count, sees every group once', async () => {
    const scim = await provider.directory();
    const ids = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        post(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Disc ${i}` }),
      ),
    );
    const first = await list(scim, '/Groups');
    expect(first.totalResults).toBe(7);
    const seen = first.Resources.map((g) => g.id as string);
    while (seen.length < first.totalResults) {
      const next = await list(scim, `/Groups?startIndex=${seen.length + 1}`);
      expect(next.Resources.length).toBeGreaterThan(0);
      seen.push(...next.Resources.map((g) => g.id as string));
    }
    expect(sorted(...seen)).toEqual(sorted(...ids));
    // A later page without count starts where asked.
    const tail = await list(scim, '/Groups?startIndex=7');
    expect(tail.Resources.map((g) => g.id)).toEqual([seen[6]]);
  });
});
