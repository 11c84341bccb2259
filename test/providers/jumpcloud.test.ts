/**
 * JumpCloud's Custom SCIM integration (IDP-QUIRKS.md §5), replayed through HTTP against a `jumpcloud` directory:
 * the activation test that creates and deletes a throwaway user and group, per-path user updates, the no-path
 * group rename, and member removal in the Entra legacy style.
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
import { GROUP_SCHEMA, type ScimClient, USER_SCHEMA } from '../support/scim-client.js';

const provider = useProviderApp('jumpcloud');

const userBody = (email: string) => ({
  schemas: [USER_SCHEMA],
  userName: email,
  name: { givenName: 'Jump', familyName: 'Cloud' },
  emails: [{ value: email, type: 'work', primary: true }],
  displayName: 'Jump Cloud',
  active: true,
});

async function ok(scim: ScimClient, path: string, ...operations: unknown[]) {
  const res = await scim.patch(path, patchOp(...operations));
  expect(res.status, res.text).toBe(200);
}

describe('Test Connection', () => {
  test('jumpcloud: activation creates a test user and a test group, deletes both (204), and they are gone (404)', async () => {
    const scim = await provider.directory();
    const userId = await created(scim, '/Users', userBody('scim-test@jumpcloud.example'));
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'JumpCloud Test Group',
    });
    expect((await scim.delete(`/Users/${userId}`)).status).toBe(204);
    expect((await scim.delete(`/Groups/${groupId}`)).status).toBe(204);
    expect((await scim.get(`/Users/${userId}`)).status).toBe(404);
    expect((await scim.get(`/Groups/${groupId}`)).status).toBe(404);
    // Every activation repeats it: the same names can be created again.
    const again = await created(scim, '/Users', userBody('scim-test@jumpcloud.example'));
    expect((await scim.delete(`/Users/${again}`)).status).toBe(204);
    const groupAgain = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'JumpCloud Test Group',
    });
    expect((await scim.delete(`/Groups/${groupAgain}`)).status).toBe(204);
    expect((await list(scim, '/Users')).totalResults).toBe(0);
    expect((await list(scim, '/Groups')).totalResults).toBe(0);
  });
});

describe('users', () => {
  test('jumpcloud: one replace per attribute with a path, active as a boolean, in one request', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', userBody('per.path@jumpcloud.example'));
    await ok(
      scim,
      `/Users/${id}`,
      { op: 'replace', path: 'name.givenName', value: 'Jumpy' },
      { op: 'replace', path: 'name.familyName', value: 'Clouds' },
      { op: 'replace', path: 'displayName', value: 'Jumpy Clouds' },
      { op: 'replace', path: 'title', value: 'Pilot' },
      { op: 'replace', path: 'active', value: false },
    );
    const user = await read(scim, `/Users/${id}`);
    expect(user).toMatchObject({
      name: { givenName: 'Jumpy', familyName: 'Clouds' },
      displayName: 'Jumpy Clouds',
      title: 'Pilot',
      active: false,
      userName: 'per.path@jumpcloud.example',
    });
    // Deactivated when DELETE is not used: still visible to the existence check.
    const found = await list(scim, `/Users?${filter('userName eq "per.path@jumpcloud.example"')}`);
    expect(found.Resources.map((u) => u.id)).toEqual([id]);
  });

  test('jumpcloud: a no-path replace of user attributes changes only those', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', { ...userBody('nopath@jumpcloud.example'), title: 'Keep' });
    await ok(scim, `/Users/${id}`, { op: 'replace', value: { displayName: 'No Path', active: true } });
    expect(await read(scim, `/Users/${id}`)).toMatchObject({
      displayName: 'No Path',
      title: 'Keep',
      active: true,
    });
  });
});

describe('groups', () => {
  test('jumpcloud: members added as bare [{value}], renamed by a no-path {displayName}, removed by a value list', async () => {
    const scim = await provider.directory();
    const [a, b, c] = [
      await created(scim, '/Users', userBody('a@jumpcloud.example')),
      await created(scim, '/Users', userBody('b@jumpcloud.example')),
      await created(scim, '/Users', userBody('c@jumpcloud.example')),
    ];
    const groupId = await created(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Ops' });
    await ok(scim, `/Groups/${groupId}`, { op: 'add', path: 'members', value: [{ value: a }, { value: b }] });
    await ok(scim, `/Groups/${groupId}`, { op: 'add', path: 'members', value: [{ value: c }] });
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b, c));

    // The rename must not touch members.
    await ok(scim, `/Groups/${groupId}`, { op: 'replace', value: { displayName: 'Operations' } });
    const renamed = await read(scim, `/Groups/${groupId}`);
    expect(renamed.displayName).toBe('Operations');
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b, c));
    expect((await read(scim, `/Users/${a}`)).groups).toEqual([
      expect.objectContaining({ value: groupId, display: 'Operations' }),
    ]);

    await ok(scim, `/Groups/${groupId}`, {
      op: 'remove',
      path: 'members',
      value: [{ value: a }, { value: c }],
    });
    expect(await memberIds(scim, groupId)).toEqual([b]);
    expect(await groupIdsOf(scim, a)).toEqual([]);
    expect(await groupIdsOf(scim, b)).toEqual([groupId]);
  });
});
