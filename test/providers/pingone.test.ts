/**
 * PingOne's outbound SCIM provisioning (IDP-QUIRKS.md §6), replayed through HTTP against a `pingone` directory:
 * the Test Connection filter `username Eq "%s"`, user create/update/disable, and group membership handled as
 * merge (add) or overwrite (replace).
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
import { GROUP_SCHEMA, USER_SCHEMA } from '../support/scim-client.js';

const provider = useProviderApp('pingone');

const userBody = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: 'Ping', familyName: 'One' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
  ...extra,
});

describe('Test Connection and matching', () => {
  test('pingone: the default USER_FILTER username Eq "%s" is parsed case-insensitively and matches exactly', async () => {
    const scim = await provider.directory();
    const probe = await list(scim, `/Users?${filter(`username Eq "${randomUUID()}"`)}`);
    expect(probe.totalResults).toBe(0);
    const id = await created(scim, '/Users', userBody('Jane.Doe@ping.example'));
    await created(scim, '/Users', userBody('jane.doe.two@ping.example'));
    const found = await list(scim, `/Users?${filter('username Eq "jane.doe@ping.example"')}`);
    expect(found.Resources.map((u) => u.id)).toEqual([id]);
    expect(found.Resources[0]!.userName).toBe('Jane.Doe@ping.example');
  });
});

describe('users', () => {
  test('pingone: update by PUT, disable with active:false, the user stays findable, then re-enable', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', userBody('cycle@ping.example'));
    expect((await scim.put(`/Users/${id}`, userBody('cycle@ping.example', { title: 'Lead' }))).status).toBe(
      200,
    );
    expect((await read(scim, `/Users/${id}`)).title).toBe('Lead');
    expect((await scim.put(`/Users/${id}`, userBody('cycle@ping.example', { active: false }))).status).toBe(
      200,
    );
    const found = await list(scim, `/Users?${filter('USERNAME EQ "cycle@ping.example"')}`);
    expect(found.Resources.map((u) => [u.id, u.active])).toEqual([[id, false]]);
    expect((await scim.put(`/Users/${id}`, userBody('cycle@ping.example', { active: true }))).status).toBe(
      200,
    );
    expect((await read(scim, `/Users/${id}`)).active).toBe(true);
  });
});

describe('groups', () => {
  test('pingone: GROUP_MEMBERSHIP_HANDLING merge adds members, overwrite replaces the whole list', async () => {
    const scim = await provider.directory();
    const [a, b, c] = [
      await created(scim, '/Users', userBody('a@ping.example')),
      await created(scim, '/Users', userBody('b@ping.example')),
      await created(scim, '/Users', userBody('c@ping.example')),
    ];
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'CN=Sales,OU=Groups,DC=ping,DC=example',
      members: [{ value: a }],
    });
    // Merge: members the IdP does not know about are kept.
    const merge = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: b }] }),
    );
    expect(merge.status).toBe(200);
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));
    // Overwrite: the group ends up with exactly the list sent.
    const overwrite = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'replace', path: 'members', value: [{ value: c }] }),
    );
    expect(overwrite.status).toBe(200);
    expect(await memberIds(scim, groupId)).toEqual([c]);
    expect(await groupIdsOf(scim, a)).toEqual([]);
    const byName = await list(
      scim,
      `/Groups?${filter('displayName eq "cn=sales,ou=groups,dc=ping,dc=example"')}`,
    );
    expect(byName.Resources.map((g) => g.id)).toEqual([groupId]);
  });
});
