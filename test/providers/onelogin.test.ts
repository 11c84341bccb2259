/**
 * OneLogin's SCIM Provisioner (IDP-QUIRKS.md §4), replayed through HTTP against a `onelogin` directory. OneLogin
 * renders admin-editable JSON templates, so bodies carry the SCIM 1.1 core URN, string booleans, `"id": null`,
 * empty strings for unmapped parameters and `emails` as an object. Updates are assumed to be PUTs (inferred).
 */
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
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA } from '../support/scim-client.js';

const provider = useProviderApp('onelogin');

// The default "Core Schema" template as rendered for one user (scim.dev guide; keepnetlabs template).
const coreTemplate = (userName: string, active: 'true' | 'false' = 'true') => ({
  schemas: ['urn:scim:schemas:core:1.0'],
  id: null,
  userName,
  active,
  name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
  displayName: 'Ada Lovelace',
  title: '',
  emails: { value: userName, type: 'work', primary: 'true' },
  addresses: [{ streetAddress: '12 St James Sq', locality: 'London', country: 'GB' }],
  meta: { resourceType: 'User' },
});

// The "SCIM v2 Enterprise" template, with the parameters the admin left unmapped rendered as "".
const enterpriseTemplate = (userName: string) => ({
  schemas: [USER_SCHEMA, ENTERPRISE],
  userName,
  active: 'true',
  name: { givenName: 'Grace', familyName: 'Hopper' },
  emails: [{ value: userName, type: 'work', primary: true }],
  title: '',
  [ENTERPRISE]: {
    department: 'Navy',
    employeeNumber: '',
    manager: { value: '', displayName: ' ', managerId: '' },
  },
});

describe('users', () => {
  test('onelogin: the Core Schema template with the SCIM 1.1 URN and string booleans creates an active user', async () => {
    const scim = await provider.directory();
    const res = await scim.post('/Users', coreTemplate('ada@onelogin.example'));
    expect(res.status, res.text).toBe(201);
    const user = await read(scim, `/Users/${res.body.id}`);
    expect(user.schemas).toEqual([USER_SCHEMA]);
    expect(user.active).toBe(true);
    // emails sent as one object is a one-element list; its "true" primary is a boolean.
    expect(user.emails).toEqual([{ value: 'ada@onelogin.example', type: 'work', primary: true }]);
    // "" for an unmapped title is "not set"; an address without type is kept.
    expect(user).not.toHaveProperty('title');
    expect(user.addresses).toEqual([{ streetAddress: '12 St James Sq', locality: 'London', country: 'GB' }]);
    expect(user.id).not.toBeNull();
  });

  test('onelogin: an Enterprise template with empty parameters drops the empty manager and values', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', enterpriseTemplate('grace@onelogin.example'));
    const user = await read(scim, `/Users/${id}`);
    expect(user[ENTERPRISE]).toEqual({ department: 'Navy' });
    expect(user).not.toHaveProperty('title');
    expect(user.active).toBe(true);
  });

  test('onelogin: a manager with a managerId sub-attribute keeps both, and the real manager value counts', async () => {
    const scim = await provider.directory();
    const boss = await created(scim, '/Users', coreTemplate('boss@onelogin.example'));
    const id = await created(scim, '/Users', {
      ...enterpriseTemplate('report@onelogin.example'),
      [ENTERPRISE]: { manager: { value: boss, displayName: 'Boss', managerId: boss } },
    });
    // The unknown sub-attribute is kept as sent (lenient profile); the read-only displayName is not, and $ref
    // is the manager's URI here (RFC 7643 §4.3).
    expect((await read(scim, `/Users/${id}`))[ENTERPRISE]).toEqual({
      manager: { value: boss, managerId: boss, $ref: `${scim.base}/Users/${boss}` },
    });
  });

  test('onelogin: suspend and reactivate are PUTs of the template with active "false" and "true"', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', coreTemplate('suspend@onelogin.example'));
    const off = await scim.put(`/Users/${id}`, { ...coreTemplate('suspend@onelogin.example', 'false'), id });
    expect(off.status, off.text).toBe(200);
    expect((await read(scim, `/Users/${id}`)).active).toBe(false);
    // Deactivated, not deleted: still found, and OneLogin updates the same id later.
    const found = await list(scim, `/Users?${filter('userName eq "suspend@onelogin.example"')}`);
    expect(found.Resources.map((u) => [u.id, u.active])).toEqual([[id, false]]);
    const on = await scim.put(`/Users/${id}`, {
      ...coreTemplate('suspend@onelogin.example', 'true'),
      id,
      displayName: 'Ada King',
    });
    expect(on.status).toBe(200);
    expect(await read(scim, `/Users/${id}`)).toMatchObject({ active: true, displayName: 'Ada King' });
  });

  test('onelogin: deleting answers 204 and 404 afterwards', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', coreTemplate('delete@onelogin.example'));
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(404);
  });
});

describe('groups (RFC PATCH, inferred)', () => {
  test('onelogin: group create, add members, remove one by filter, and the users list their groups', async () => {
    const scim = await provider.directory();
    const a = await created(scim, '/Users', coreTemplate('ga@onelogin.example'));
    const b = await created(scim, '/Users', coreTemplate('gb@onelogin.example'));
    const groupId = await created(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering' });
    const add = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }),
    );
    expect(add.status).toBe(200);
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));
    await scim.patch(`/Groups/${groupId}`, patchOp({ op: 'remove', path: `members[value eq "${a}"]` }));
    expect(await memberIds(scim, groupId)).toEqual([b]);
    expect(await groupIdsOf(scim, a)).toEqual([]);
    expect(await groupIdsOf(scim, b)).toEqual([groupId]);
  });
});
