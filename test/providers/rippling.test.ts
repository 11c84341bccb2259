/**
 * Rippling's Custom App SCIM 2.0 push (IDP-QUIRKS.md §10). Rippling declares its features (groups, pagination,
 * delete groups, PATCH groups) and the attributes it sends (`externalId`, `emails.primary`, `name.givenName`,
 * `name.familyName`), and provisioning follows HR events. The sequence is inferred: plain RFC 7644 requests, plus
 * the ServiceProviderConfig read its connection test probably makes (unverified).
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
import { GROUP_SCHEMA, USER_SCHEMA } from '../support/scim-client.js';

const provider = useProviderApp('rippling');

const hire = (email: string, employeeId: string) => ({
  schemas: [USER_SCHEMA],
  userName: email,
  externalId: employeeId,
  name: { givenName: 'Rip', familyName: 'Pling' },
  emails: [{ value: email, primary: true }],
  active: true,
});

describe('connection test', () => {
  test('rippling: ServiceProviderConfig advertises PATCH, filtering and paging with integer limits', async () => {
    const scim = await provider.directory();
    const spc = await read(scim, '/ServiceProviderConfig');
    expect(spc.patch).toEqual({ supported: true });
    expect(spc.filter.supported).toBe(true);
    expect(Number.isInteger(spc.filter.maxResults)).toBe(true);
    expect(Number.isInteger(spc.bulk.maxOperations)).toBe(true);
    expect(typeof spc.bulk.supported).toBe('boolean');
    expect(spc.changePassword).toEqual({ supported: expect.any(Boolean) });
    expect(spc.sort).toEqual({ supported: expect.any(Boolean) });
    expect(spc.authenticationSchemes.length).toBeGreaterThan(0);
    // What it says is what it does: a filtered, paged list works.
    expect(
      (await list(scim, `/Users?${filter('externalId eq "E-1"')}&startIndex=1&count=10`)).totalResults,
    ).toBe(0);
  });
});

describe('users (inferred)', () => {
  test('rippling: hire creates by externalId and primary email, an HR edit updates, termination deactivates', async () => {
    const scim = await provider.directory();
    const byEmployee = `/Users?${filter('externalId eq "E-1001"')}`;
    expect((await list(scim, byEmployee)).totalResults).toBe(0);
    const id = await created(scim, '/Users', hire('rip@rippling.example', 'E-1001'));
    expect((await list(scim, byEmployee)).Resources.map((u) => u.id)).toEqual([id]);
    const user = await read(scim, `/Users/${id}`);
    expect(user.emails).toEqual([{ value: 'rip@rippling.example', primary: true }]);

    await scim.patch(
      `/Users/${id}`,
      patchOp(
        { op: 'replace', path: 'name.familyName', value: 'Plingston' },
        { op: 'replace', path: 'emails[primary eq true].value', value: 'rip.plingston@rippling.example' },
      ),
    );
    const edited = await read(scim, `/Users/${id}`);
    expect(edited.name).toEqual({ givenName: 'Rip', familyName: 'Plingston' });
    expect(edited.emails).toEqual([{ value: 'rip.plingston@rippling.example', primary: true }]);

    const termination = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: 'replace', path: 'active', value: false }),
    );
    expect(termination.status).toBe(200);
    expect((await list(scim, byEmployee)).Resources.map((u) => [u.id, u.active])).toEqual([[id, false]]);
  });
});

describe('groups (inferred)', () => {
  test('rippling: groups are paged, PATCHed and deleted', async () => {
    const scim = await provider.directory();
    const a = await created(scim, '/Users', hire('a@rippling.example', 'E-1'));
    const b = await created(scim, '/Users', hire('b@rippling.example', 'E-2'));
    const groupIds = await Promise.all(
      ['Engineering', 'Finance', 'People'].map((name) =>
        created(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: name }),
      ),
    );
    const first = await list(scim, '/Groups?startIndex=1&count=2');
    const second = await list(scim, '/Groups?startIndex=3&count=2');
    expect(first).toMatchObject({ totalResults: 3, itemsPerPage: 2 });
    expect(sorted(...[...first.Resources, ...second.Resources].map((g) => g.id as string))).toEqual(
      sorted(...groupIds),
    );

    const groupId = groupIds[0]!;
    await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }),
    );
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));
    await scim.patch(`/Groups/${groupId}`, patchOp({ op: 'remove', path: `members[value eq "${a}"]` }));
    expect(await memberIds(scim, groupId)).toEqual([b]);
    expect((await scim.delete(`/Groups/${groupId}`)).status).toBe(204);
    expect((await scim.get(`/Groups/${groupId}`)).status).toBe(404);
    expect(await groupIdsOf(scim, b)).toEqual([]);
  });
});
