/**
 * The Keycloak SCIM plugin as a client (IDP-QUIRKS.md §9, read from `pelotech/keycloak-scim` `UserAdapter.java`,
 * `GroupAdapter.java`, `ScimClient.java`), replayed through HTTP against a `keycloak` directory. The plugin treats
 * a 400 on PUT/PATCH like a 404 and re-POSTs, which then collides (409), so recoverable problems must not be 400.
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
  read,
  sorted,
  useProviderApp,
} from '../support/provider-app.js';
import { GROUP_SCHEMA, type ScimClient, USER_SCHEMA } from '../support/scim-client.js';

const provider = useProviderApp('keycloak');

const userBody = (username: string, keycloakId = randomUUID()) => ({
  schemas: [USER_SCHEMA],
  externalId: keycloakId,
  userName: username,
  displayName: `${username} Keycloak`,
  name: { givenName: username, familyName: 'Keycloak' },
  emails: [{ value: `${username}@keycloak.example`, type: 'work', primary: true }],
  roles: [{ value: 'offline_access' }],
  active: true,
});

async function ok(scim: ScimClient, method: 'put' | 'patch', path: string, body: unknown) {
  const res = await scim[method](path, body);
  expect(res.status, res.text).toBe(200);
  return res.body as Record<string, any>;
}

describe('users', () => {
  test('keycloak: POST with externalId and roles, replace by PUT with id and a relative meta.location', async () => {
    const scim = await provider.directory();
    const body = userBody('kc.user');
    const id = await created(scim, '/Users', body);
    const user = await read(scim, `/Users/${id}`);
    expect(user).toMatchObject({
      externalId: body.externalId,
      userName: 'kc.user',
      roles: [{ value: 'offline_access' }],
    });
    const put = await ok(scim, 'put', `/Users/${id}`, {
      ...body,
      id,
      displayName: 'Renamed In Keycloak',
      meta: { resourceType: 'User', location: `Users/${id}` },
    });
    expect(put.meta.location).toBe(`${scim.base}/Users/${id}`);
    expect((await read(scim, `/Users/${id}`)).displayName).toBe('Renamed In Keycloak');
  });

  test('keycloak user-patchOp: replace active "false"/"true" strings and replace userName and displayName', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', userBody('kc.patch'));
    await ok(
      scim,
      'patch',
      `/Users/${id}`,
      patchOp(
        { op: 'replace', path: 'active', value: 'false' },
        { op: 'replace', path: 'userName', value: 'kc.patched' },
        { op: 'replace', path: 'displayName', value: 'KC Patched' },
      ),
    );
    expect(await read(scim, `/Users/${id}`)).toMatchObject({
      active: false,
      userName: 'kc.patched',
      displayName: 'KC Patched',
    });
    // Disabled, not deleted: found by its new name.
    const found = await list(scim, `/Users?${filter('userName eq "kc.patched"')}`);
    expect(found.Resources.map((u) => u.id)).toEqual([id]);
    await ok(scim, 'patch', `/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: 'true' }));
    expect((await read(scim, `/Users/${id}`)).active).toBe(true);
  });

  test('keycloak: DELETE answers 204 and then 404', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', userBody('kc.gone'));
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(404);
  });
});

describe('groups', () => {
  test('keycloak: groups created with members whose $ref is relative, replaced by PUT', async () => {
    const scim = await provider.directory();
    const [a, b, c] = [
      await created(scim, '/Users', userBody('kc.a')),
      await created(scim, '/Users', userBody('kc.b')),
      await created(scim, '/Users', userBody('kc.c')),
    ];
    const externalId = randomUUID();
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      externalId,
      displayName: 'kc-group',
      members: [
        { value: a, $ref: `Users/${a}` },
        { value: b, $ref: `Users/${b}` },
      ],
    });
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));
    const members = (await read(scim, `/Groups/${groupId}`)).members as { value: string; $ref: string }[];
    expect(members.map((m) => m.$ref).sort()).toEqual(
      [`${scim.base}/Users/${a}`, `${scim.base}/Users/${b}`].sort(),
    );

    await ok(scim, 'put', `/Groups/${groupId}`, {
      schemas: [GROUP_SCHEMA],
      id: groupId,
      externalId,
      displayName: 'kc-group',
      members: [
        { value: b, $ref: `Users/${b}` },
        { value: c, $ref: `Users/${c}` },
      ],
      meta: { resourceType: 'Group', location: `Groups/${groupId}` },
    });
    expect(await memberIds(scim, groupId)).toEqual(sorted(b, c));
    expect(await groupIdsOf(scim, a)).toEqual([]);
  });

  test('keycloak group-patchOp: replace members (full list), displayName and externalId, then remove members with no value clears it', async () => {
    const scim = await provider.directory();
    const [a, b, c] = [
      await created(scim, '/Users', userBody('kp.a')),
      await created(scim, '/Users', userBody('kp.b')),
      await created(scim, '/Users', userBody('kp.c')),
    ];
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'kc-patch',
      members: [{ value: a, $ref: `Users/${a}` }],
    });
    await ok(
      scim,
      'patch',
      `/Groups/${groupId}`,
      patchOp(
        {
          op: 'replace',
          path: 'members',
          value: [
            { value: b, $ref: `Users/${b}` },
            { value: c, $ref: `Users/${c}` },
          ],
        },
        { op: 'replace', path: 'displayName', value: 'kc-patch-renamed' },
        { op: 'replace', path: 'externalId', value: 'kc-ext' },
      ),
    );
    expect(await memberIds(scim, groupId)).toEqual(sorted(b, c));
    expect(await read(scim, `/Groups/${groupId}`)).toMatchObject({
      displayName: 'kc-patch-renamed',
      externalId: 'kc-ext',
    });

    await ok(scim, 'patch', `/Groups/${groupId}`, patchOp({ op: 'remove', path: 'members' }));
    expect(await memberIds(scim, groupId)).toEqual([]);
    expect(await groupIdsOf(scim, b)).toEqual([]);
    expect((await read(scim, `/Groups/${groupId}`)).displayName).toBe('kc-patch-renamed');
  });
});

describe('no 400 for recoverable PUT/PATCH problems', () => {
  test('keycloak: PUT and PATCH naming deleted or unknown members succeed without them instead of 400', async () => {
    const scim = await provider.directory();
    const a = await created(scim, '/Users', userBody('kr.a'));
    const gone = await created(scim, '/Users', userBody('kr.gone'));
    const groupId = await created(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'kc-recover' });
    expect((await scim.delete(`/Users/${gone}`)).status).toBe(204);

    await ok(scim, 'put', `/Groups/${groupId}`, {
      schemas: [GROUP_SCHEMA],
      id: groupId,
      displayName: 'kc-recover',
      members: [
        { value: a, $ref: `Users/${a}` },
        { value: gone, $ref: `Users/${gone}` },
      ],
    });
    expect(await memberIds(scim, groupId)).toEqual([a]);
    await ok(
      scim,
      'patch',
      `/Groups/${groupId}`,
      patchOp({
        op: 'replace',
        path: 'members',
        value: [{ value: gone }, { value: a }, { value: randomUUID() }],
      }),
    );
    expect(await memberIds(scim, groupId)).toEqual([a]);
    // Removing someone who is not a member is not a 400 either (IDP-QUIRKS §11.2).
    await ok(
      scim,
      'patch',
      `/Groups/${groupId}`,
      patchOp({ op: 'remove', path: `members[value eq "${gone}"]` }),
    );
    expect(await memberIds(scim, groupId)).toEqual([a]);
  });

  test('keycloak: re-sending the same user by PUT, with its read-only fields, is a 200 no-op', async () => {
    const scim = await provider.directory();
    const body = userBody('kr.same');
    const id = await created(scim, '/Users', body);
    const before = await read(scim, `/Users/${id}`);
    const put = await ok(scim, 'put', `/Users/${id}`, {
      ...before,
      ...body,
      id,
      meta: { location: `Users/${id}` },
      groups: [],
    });
    expect(put.meta.version).toBe(before.meta.version);
  });
});
