/**
 * Rauthy's SCIM client (IDP-QUIRKS.md §8, read from `sebadob/rauthy` `clients_scim.rs` and `scim_types.rs`),
 * replayed through HTTP against a `rauthy` directory: lookups by externalId then userName/displayName, users
 * created and updated (PUT with `id`) with a non-standard `custom` object, memberships diffed from `User.groups`,
 * and hand-built group PATCH bodies (rename, unlink with `externalId: null`, assign, unassign).
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

const provider = useProviderApp('rauthy');
const SCIM_JSON = { 'content-type': 'application/scim+json', accept: 'application/scim+json' };

const userBody = (email: string, rauthyId: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  externalId: rauthyId,
  userName: email,
  name: { givenName: 'Rau', familyName: 'Thy' },
  displayName: 'Rau Thy',
  emails: [{ value: email, primary: true }],
  active: true,
  locale: 'en',
  custom: { department: 'IT', roles: ['admin'] },
  ...extra,
});

async function groupPatch(scim: ScimClient, groupId: string, ...operations: unknown[]) {
  const res = await scim.patch(`/Groups/${groupId}`, patchOp(...operations), SCIM_JSON);
  expect(res.status, res.text).toBe(200);
}

describe('users', () => {
  test('rauthy: lookup by externalId then userName, create with a custom object, update by PUT with id', async () => {
    const scim = await provider.directory();
    const rauthyId = randomUUID().replaceAll('-', '');
    expect((await list(scim, `/Users?${filter(`externalId eq "${rauthyId}"`)}`)).totalResults).toBe(0);
    expect((await list(scim, `/Users?${filter('userName eq "rau@rauthy.example"')}`)).totalResults).toBe(0);
    const res = await scim.post('/Users', userBody('rau@rauthy.example', rauthyId), SCIM_JSON);
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    const id = res.body.id as string;
    const user = await read(scim, `/Users/${id}`);
    // Rauthy's non-standard top-level object is kept as sent (lenient profile), not dropped.
    expect(user.custom).toEqual(userBody('rau@rauthy.example', rauthyId).custom);
    expect(user.emails).toEqual([{ value: 'rau@rauthy.example', primary: true }]);
    expect(
      (await list(scim, `/Users?${filter(`externalId eq "${rauthyId}"`)}`)).Resources.map((u) => u.id),
    ).toEqual([id]);

    const put = await scim.put(
      `/Users/${id}`,
      { ...userBody('rau@rauthy.example', rauthyId, { displayName: 'Rau Updated' }), id },
      SCIM_JSON,
    );
    expect(put.status).toBe(200);
    expect((await read(scim, `/Users/${id}`)).displayName).toBe('Rau Updated');
  });

  test('rauthy: User.groups in GET and in the PUT response lists the memberships it diffs against', async () => {
    const scim = await provider.directory();
    const rauthyId = randomUUID();
    const id = await created(scim, '/Users', userBody('member@rauthy.example', rauthyId));
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'admins',
      externalId: 'g-admins',
    });
    await groupPatch(scim, groupId, {
      op: 'add',
      path: 'members',
      value: [{ value: id, display: 'member@rauthy.example' }],
    });
    expect((await read(scim, `/Users/${id}`)).groups).toEqual([
      expect.objectContaining({ value: groupId, display: 'admins' }),
    ]);
    const put = await scim.put(
      `/Users/${id}`,
      { ...userBody('member@rauthy.example', rauthyId), id },
      SCIM_JSON,
    );
    expect(put.status).toBe(200);
    expect(put.body.groups).toEqual([expect.objectContaining({ value: groupId, display: 'admins' })]);
    // The list shows them as well.
    const listed = await list(scim, `/Users?${filter(`externalId eq "${rauthyId}"`)}`);
    expect(listed.Resources[0]!.groups).toEqual([expect.objectContaining({ value: groupId })]);
  });
});

describe('groups', () => {
  test('rauthy: lookup by externalId then displayName, rename, unlink with externalId null, assign and unassign', async () => {
    const scim = await provider.directory();
    const [a, b] = [
      await created(scim, '/Users', userBody('a@rauthy.example', randomUUID())),
      await created(scim, '/Users', userBody('b@rauthy.example', randomUUID())),
    ];
    expect((await list(scim, `/Groups?${filter('externalId eq "rauthy-group-1"')}`)).totalResults).toBe(0);
    expect((await list(scim, `/Groups?${filter('displayName eq "rauthy_admins"')}`)).totalResults).toBe(0);
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'rauthy_admins',
      externalId: 'rauthy-group-1',
    });
    const byExternal = await list(scim, `/Groups?${filter('externalId eq "rauthy-group-1"')}`);
    expect(byExternal.Resources.map((g) => g.id)).toEqual([groupId]);
    // externalId is case-exact (IDP-QUIRKS §11.5).
    expect((await list(scim, `/Groups?${filter('externalId eq "RAUTHY-GROUP-1"')}`)).totalResults).toBe(0);
    const paged = await list(scim, '/Groups?startIndex=1&count=50');
    expect(paged.Resources.map((g) => g.id)).toEqual([groupId]);

    await groupPatch(scim, groupId, {
      op: 'add',
      path: 'members',
      value: [
        { value: a, display: 'a@rauthy.example' },
        { value: b, display: 'b@rauthy.example' },
      ],
    });
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));

    await groupPatch(scim, groupId, {
      op: 'replace',
      value: { displayName: 'rauthy_admins_renamed', externalId: 'rauthy-group-1' },
    });
    expect(await read(scim, `/Groups/${groupId}`)).toMatchObject({
      displayName: 'rauthy_admins_renamed',
      externalId: 'rauthy-group-1',
    });
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b));

    await groupPatch(scim, groupId, { op: 'remove', path: 'members', value: [{ value: a }] });
    expect(await memberIds(scim, groupId)).toEqual([b]);
    expect(await groupIdsOf(scim, a)).toEqual([]);

    // Unlink: null means remove the externalId; the group and its members stay.
    await groupPatch(scim, groupId, {
      op: 'replace',
      value: { displayName: 'rauthy_admins_renamed', externalId: null },
    });
    const unlinked = await read(scim, `/Groups/${groupId}`);
    expect(unlinked).not.toHaveProperty('externalId');
    expect(unlinked.displayName).toBe('rauthy_admins_renamed');
    expect(await memberIds(scim, groupId)).toEqual([b]);
    expect((await list(scim, `/Groups?${filter('externalId eq "rauthy-group-1"')}`)).totalResults).toBe(0);
  });
});
