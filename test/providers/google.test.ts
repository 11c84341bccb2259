/**
 * Google Workspace automated provisioning through a catalog app (IDP-QUIRKS.md §10). Google publishes no request
 * shapes, so this is the inferred sequence: plain RFC 7644 requests in the order Google describes (sync active,
 * suspended and deleted users), plus the `GET /Users?count=1` probe of a third-party guide. Weak evidence: these
 * tests pin RFC behaviour a Google directory relies on, not captured traffic.
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
  useProviderApp,
} from '../support/provider-app.js';
import { GROUP_SCHEMA, USER_SCHEMA } from '../support/scim-client.js';

const provider = useProviderApp('google');

const userBody = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: 'Goo', familyName: 'Gle' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
  ...extra,
});

describe('probe', () => {
  test('google: the GET /Users?count=1 probe answers a ListResponse, empty and then with one user', async () => {
    const scim = await provider.directory();
    const empty = await list(scim, '/Users?count=1');
    expect(empty.totalResults).toBe(0);
    expect(empty.Resources).toEqual([]);
    await created(scim, '/Users', userBody('first@google.example'));
    await created(scim, '/Users', userBody('second@google.example'));
    const one = await list(scim, '/Users?count=1');
    expect(one.totalResults).toBe(2);
    expect(one.Resources).toHaveLength(1);
  });
});

describe('users (inferred)', () => {
  test('google: look up, create, update, suspend (active false), unsuspend, then delete', async () => {
    const scim = await provider.directory();
    const lookup = `/Users?${filter('userName eq "sync@google.example"')}`;
    expect((await list(scim, lookup)).totalResults).toBe(0);
    const id = await created(scim, '/Users', userBody('sync@google.example'));
    expect(
      (await scim.put(`/Users/${id}`, userBody('sync@google.example', { displayName: 'Sync User' }))).status,
    ).toBe(200);
    expect((await read(scim, `/Users/${id}`)).displayName).toBe('Sync User');

    // Suspension is deactivation, never deletion.
    const suspend = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: 'replace', path: 'active', value: false }),
    );
    expect(suspend.status).toBe(200);
    expect((await list(scim, lookup)).Resources.map((u) => [u.id, u.active])).toEqual([[id, false]]);
    await scim.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: true }));
    expect((await read(scim, `/Users/${id}`)).active).toBe(true);

    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(404);
    expect((await list(scim, lookup)).totalResults).toBe(0);
  });

  test('google: an unknown id answers 404, never a guess', async () => {
    const scim = await provider.directory();
    expect((await scim.get(`/Users/${randomUUID()}`)).status).toBe(404);
    expect((await scim.put(`/Users/${randomUUID()}`, userBody('ghost@google.example'))).status).toBe(404);
  });
});

describe('groups (inferred)', () => {
  test('google: group create with members, add and remove by RFC PATCH, then delete', async () => {
    const scim = await provider.directory();
    const a = await created(scim, '/Users', userBody('a@google.example'));
    const b = await created(scim, '/Users', userBody('b@google.example'));
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'all@google.example',
      members: [{ value: a }],
    });
    await scim.patch(`/Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [{ value: b }] }));
    await scim.patch(`/Groups/${groupId}`, patchOp({ op: 'remove', path: `members[value eq "${a}"]` }));
    expect(await memberIds(scim, groupId)).toEqual([b]);
    expect((await scim.delete(`/Groups/${groupId}`)).status).toBe(204);
    expect(await groupIdsOf(scim, b)).toEqual([]);
  });
});
