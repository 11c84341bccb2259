/**
 * PingFederate's SCIM Provisioner (IDP-QUIRKS.md §6), replayed through HTTP against a `pingfederate` directory:
 * users are never PATCHed (full PUTs), deprovisioning is Disable or Delete, users are matched by `userName eq`
 * or `emails eq`, and groups are found by listing every group. The GitHub EMU provisioner's `GET /Users/0`
 * connection check is here too.
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
import { GROUP_SCHEMA, type ScimClient, USER_SCHEMA, scimClient } from '../support/scim-client.js';
import { createTenant } from '../support/test-app.js';

const provider = useProviderApp('pingfederate');

const userBody = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: 'Ping', familyName: 'Federate' },
  emails: [{ value: `${userName}@ping.example`, type: 'work', primary: true }],
  active: true,
  ...extra,
});

/** Walks `/Groups` page by page the way the connector finds a group: no filter, every page. */
async function allGroups(scim: ScimClient, count: number): Promise<Record<string, any>[]> {
  const seen: Record<string, any>[] = [];
  for (let startIndex = 1; ; startIndex += count) {
    const page = await list(scim, `/Groups?startIndex=${startIndex}&count=${count}`);
    seen.push(...page.Resources);
    if (page.Resources.length === 0 || seen.length >= page.totalResults) return seen;
  }
}

describe('users', () => {
  test('pingfederate: match by userName eq, create, full PUT updates keep group memberships', async () => {
    const scim = await provider.directory();
    expect((await list(scim, `/Users?${filter('userName eq "pfuser"')}`)).totalResults).toBe(0);
    const id = await created(scim, '/Users', userBody('pfuser', { title: 'Analyst' }));
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Analysts',
      members: [{ value: id }],
    });
    const put = await scim.put(`/Users/${id}`, userBody('pfuser', { title: 'Senior Analyst' }));
    expect(put.status).toBe(200);
    const user = await read(scim, `/Users/${id}`);
    expect(user.title).toBe('Senior Analyst');
    // The group membership is not part of the user's PUT and must survive it.
    expect(await groupIdsOf(scim, id)).toEqual([groupId]);
    expect(await memberIds(scim, groupId)).toEqual([id]);
  });

  test('pingfederate: the workEmail identifier matches with emails eq "x" on the multi-valued attribute', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', userBody('bymail'));
    await created(scim, '/Users', userBody('other'));
    const found = await list(scim, `/Users?${filter('emails eq "bymail@ping.example"')}`);
    expect(found.Resources.map((u) => u.id)).toEqual([id]);
    expect((await list(scim, `/Users?${filter('emails eq "nobody@ping.example"')}`)).totalResults).toBe(0);
  });

  test('pingfederate: "Provision disabled users" creates with active:false; Disable and re-enable by PUT', async () => {
    const scim = await provider.directory();
    const disabled = await created(scim, '/Users', userBody('starts.off', { active: false }));
    expect((await read(scim, `/Users/${disabled}`)).active).toBe(false);
    const id = await created(scim, '/Users', userBody('toggled'));
    expect((await scim.put(`/Users/${id}`, userBody('toggled', { active: false }))).status).toBe(200);
    expect((await read(scim, `/Users/${id}`)).active).toBe(false);
    const inactive = await list(scim, `/Users?${filter('active eq false')}`);
    expect(sorted(...inactive.Resources.map((u) => u.id as string))).toEqual(sorted(disabled, id));
    expect((await scim.put(`/Users/${id}`, userBody('toggled', { active: true }))).status).toBe(200);
    expect((await read(scim, `/Users/${id}`)).active).toBe(true);
  });

  test('pingfederate: Remove User Action "Delete" answers 204, then 404', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', userBody('deleted'));
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(404);
  });
});

describe('groups', () => {
  test('pingfederate: group lookup lists every group with paging, complete and stable, without a filter', async () => {
    const scim = await provider.directory();
    const ids = await Promise.all(
      Array.from({ length: 23 }, (_, i) =>
        created(scim, '/Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: `Group ${String(i).padStart(2, '0')}`,
        }),
      ),
    );
    const walk = await allGroups(scim, 10);
    expect(walk.map((g) => g.id as string)).toHaveLength(23);
    expect(sorted(...walk.map((g) => g.id as string))).toEqual(sorted(...ids));
    expect((await allGroups(scim, 10)).map((g) => g.id)).toEqual(walk.map((g) => g.id));
    // Without count the server's default page holds them all.
    const unpaged = await list(scim, '/Groups');
    expect(unpaged.totalResults).toBe(23);
    expect(unpaged.Resources).toHaveLength(23);
  });

  test('pingfederate: a DN as displayName is stored as sent, and members are added and removed by PATCH', async () => {
    const scim = await provider.directory();
    const [a, b] = [
      await created(scim, '/Users', userBody('dn.a')),
      await created(scim, '/Users', userBody('dn.b')),
    ];
    const dn = 'CN=Domain Admins,OU=Groups,DC=example,DC=com';
    const groupId = await created(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: dn });
    expect((await read(scim, `/Groups/${groupId}`)).displayName).toBe(dn);
    const found = (await allGroups(scim, 100)).find((g) => g.displayName === dn);
    expect(found?.id).toBe(groupId);
    const add = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }),
    );
    expect(add.status).toBe(200);
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));
    await scim.patch(`/Groups/${groupId}`, patchOp({ op: 'remove', path: `members[value eq "${b}"]` }));
    expect(await memberIds(scim, groupId)).toEqual([a]);
  });
});

describe('GitHub EMU connection check', () => {
  test('pingfederate GitHub EMU: GET /Users/0 before every operation answers 404 with the Error schema', async () => {
    const scim = await provider.directory();
    await created(scim, '/Users', userBody('emu'));
    const res = await scim.get('/Users/0');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
    });
  });
});

describe('authorization', () => {
  test('pingfederate: only the Bearer authorization type works; the same token sent as Basic is 401 with a Bearer challenge', async () => {
    const tenant = await createTenant(provider.app(), { provider: 'pingfederate' });
    const scim = scimClient(provider.app().url, tenant.directoryId, tenant.token);
    expect((await scim.get('/Users')).status).toBe(200);
    const basic = await fetch(`${scim.base}/Users`, { headers: { authorization: `Basic ${tenant.token}` } });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });
});
