/**
 * Microsoft Entra ID provisioning service and the Microsoft SCIM Validator (IDP-QUIRKS.md §2), replayed through
 * HTTP against an `entra` directory: both PATCH dialects (default and `aadOptscim062020`), Test Connection, the
 * matching queries, soft delete, and the validator's captured requests.
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
import { ENTERPRISE, GROUP_SCHEMA, type ScimClient, USER_SCHEMA } from '../support/scim-client.js';

const provider = useProviderApp('entra');
const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

// [E-T] Create User, Example 2: a malformed extension URN, explicit nulls, read-only meta, a top-level
// department/manager, and a mixed-case email that must be stored as sent.
const example2 = (nickname: string) => ({
  schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
  externalId: nickname,
  userName: `${nickname}@testuser.com`,
  active: true,
  addresses: null,
  displayName: 'Joy Young',
  emails: [{ type: 'work', value: `${nickname}@Contoso.com`, primary: true }],
  meta: { resourceType: 'User' },
  name: { familyName: 'Young', givenName: 'Joy' },
  phoneNumbers: null,
  preferredLanguage: null,
  title: null,
  department: null,
  manager: null,
  roles: [],
});

// Entra answers PATCH with 204 (IDP-QUIRKS §11.4), so every PATCH here is checked by a GET afterwards.
async function patched(scim: ScimClient, path: string, ...operations: unknown[]): Promise<void> {
  const res = await scim.patch(path, patchOp(...operations));
  expect(res.status, res.text).toBe(204);
  expect(res.text).toBe('');
}

describe('Test Connection and keep-alive', () => {
  test('entra: Test Connection filters userName by a random GUID and gets 200 with an empty ListResponse', async () => {
    const scim = await provider.directory();
    await created(scim, '/Users', example2('someone'));
    const found = await list(scim, `/Users?${filter(`userName eq "${randomUUID()}"`)}`);
    expect(found.totalResults).toBe(0);
    expect(found.Resources).toEqual([]);
    // The matching attribute is configurable: a random externalId and a random group answer the same way.
    expect((await list(scim, `/Users?${filter(`externalId eq "${randomUUID()}"`)}`)).totalResults).toBe(0);
    const groups = await list(
      scim,
      `/Groups?excludedAttributes=members&${filter(`displayName eq "${randomUUID()}"`)}`,
    );
    expect(groups.totalResults).toBe(0);
  });

  test('entra: a tenant URL carrying ?aadOptscim062020 works for every request', async () => {
    const scim = await provider.directory();
    const flag = '?aadOptscim062020';
    const probe = await scim.get(`/Users${flag}&${filter(`userName eq "${randomUUID()}"`)}`);
    expect(probe.status).toBe(200);
    expect(probe.body.totalResults).toBe(0);
    const post = await scim.post(`/Users${flag}`, example2('flagged'));
    expect(post.status).toBe(201);
    await patched(scim, `/Users/${post.body.id}${flag}`, { op: 'replace', value: { active: false } });
    expect((await read(scim, `/Users/${post.body.id}${flag}`)).active).toBe(false);
    expect((await scim.delete(`/Users/${post.body.id}${flag}`)).status).toBe(204);
  });
});

describe('users, default dialect', () => {
  test('entra: query by externalId with "+" for spaces, create with Example 2, then find exactly that user', async () => {
    const scim = await provider.directory();
    const before = await list(scim, '/Users?filter=externalId+eq+%22jyoung%22');
    expect(before.totalResults).toBe(0);
    const res = await scim.post('/Users', example2('jyoung'));
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    const user = await read(scim, `/Users/${res.body.id}`);
    expect(user).toMatchObject({ userName: 'jyoung@testuser.com', externalId: 'jyoung', active: true });
    // Values are stored exactly as sent ([E-T] §General): the email keeps its capital C.
    expect(user.emails).toEqual([{ type: 'work', value: 'jyoung@Contoso.com', primary: true }]);
    // The nulls, meta, roles:[] and the top-level department/manager leave nothing behind.
    for (const absent of [
      'addresses',
      'phoneNumbers',
      'title',
      'roles',
      'department',
      'manager',
      ENTERPRISE,
    ]) {
      expect(user).not.toHaveProperty(absent);
    }
    const after = await list(scim, '/Users?filter=externalId+eq+%22jyoung%22');
    expect(after.Resources.map((u) => u.id)).toEqual([res.body.id]);
    // externalId is case-exact (IDP-QUIRKS §11.5).
    expect((await list(scim, `/Users?${filter('externalId eq "JYOUNG"')}`)).totalResults).toBe(0);
    // Uniqueness check through the work email.
    const byEmail = await list(
      scim,
      `/Users?${filter('emails[type eq "work"].value eq "jyoung@Contoso.com"')}`,
    );
    expect(byEmail.Resources.map((u) => u.id)).toEqual([res.body.id]);
  });

  test('entra: capitalised "Replace" per path updates each attribute, value paths create and update elements', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', example2('paths'));
    await patched(
      scim,
      `/Users/${id}`,
      { op: 'Replace', path: 'displayName', value: 'Joy Y. Young' },
      { op: 'Replace', path: 'name.givenName', value: 'Joyce' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'joyce@Contoso.com' },
      { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
      { op: 'Add', path: 'addresses[type eq "work"].streetAddress', value: '1 Main St' },
      { op: 'Add', path: 'addresses[type eq "other"].Formatted', value: 'PO Box 1' },
      { op: 'Add', path: 'emails[type eq "other"].Value', value: 'joy@home.example' },
      { op: 'Add', path: `${ENTERPRISE}:employeeNumber`, value: '701984' },
    );
    const user = await read(scim, `/Users/${id}`);
    expect(user.displayName).toBe('Joy Y. Young');
    expect(user.name).toEqual({ familyName: 'Young', givenName: 'Joyce' });
    expect(user.emails).toEqual([
      { type: 'work', value: 'joyce@Contoso.com', primary: true },
      { type: 'other', value: 'joy@home.example' },
    ]);
    expect(user.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    expect(user.addresses).toEqual([
      { type: 'work', streetAddress: '1 Main St' },
      { type: 'other', formatted: 'PO Box 1' },
    ]);
    expect(user[ENTERPRISE]).toEqual({ employeeNumber: '701984' });
  });

  test('entra: a second Add to emails[type eq "work"].value updates the work email in place', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', example2('typed'));
    await patched(scim, `/Users/${id}`, {
      op: 'Add',
      path: 'emails[type eq "work"].value',
      value: 'a@x.example',
    });
    await patched(scim, `/Users/${id}`, {
      op: 'Add',
      path: 'emails[type eq "work"].value',
      value: 'b@x.example',
    });
    const emails = (await read(scim, `/Users/${id}`)).emails as { type: string; value: string }[];
    expect(emails.filter((e) => e.type === 'work').map((e) => e.value)).toEqual(['b@x.example']);
  });

  test('entra: "Replace" active "False" deactivates, the user stays findable, "True" reactivates', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', example2('soft'));
    await patched(scim, `/Users/${id}`, { op: 'Replace', path: 'active', value: 'False' });
    expect((await read(scim, `/Users/${id}`)).active).toBe(false);
    const found = await list(scim, `/Users?${filter('userName eq "soft@testuser.com"')}`);
    expect(found.Resources.map((u) => [u.id, u.active])).toEqual([[id, false]]);
    await patched(scim, `/Users/${id}`, { op: 'Replace', path: 'active', value: 'True' });
    expect((await read(scim, `/Users/${id}`)).active).toBe(true);
  });

  test('entra: re-sending unchanged values is a no-op that keeps the version', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', example2('resync'));
    const before = (await read(scim, `/Users/${id}`)).meta.version as string;
    await patched(scim, `/Users/${id}`, { op: 'Replace', path: 'active', value: 'True' });
    await patched(scim, `/Users/${id}`, { op: 'Replace', path: 'displayName', value: 'Joy Young' });
    expect((await read(scim, `/Users/${id}`)).meta.version).toBe(before);
  });

  test('entra: hard delete answers 204, then GET and a second DELETE answer 404 with the Error schema', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', example2('gone'));
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    const get = await scim.get(`/Users/${id}`);
    expect(get.status).toBe(404);
    expect(get.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(get.body.detail).toEqual(expect.any(String));
    expect((await scim.delete(`/Users/${id}`)).status).toBe(404);
  });
});

describe('manager', () => {
  test('entra: manager as a bare id through the URN path, then the reference query finds it', async () => {
    const scim = await provider.directory();
    const boss = await created(scim, '/Users', example2('boss'));
    const id = await created(scim, '/Users', example2('report'));
    await patched(scim, `/Users/${id}`, { op: 'Add', path: `${ENTERPRISE}:manager`, value: boss });
    expect((await read(scim, `/Users/${id}`))[ENTERPRISE].manager).toMatchObject({ value: boss });
    // [E-T] Example 4: before re-sending the manager, Entra asks whether it already matches.
    const match = await list(
      scim,
      `/Users?${filter(`id eq "${id}" and manager eq "${boss}"`)}&attributes=id`,
    );
    expect(match.Resources).toEqual(
      [{ id, schemas: [USER_SCHEMA, ENTERPRISE] }].map((r) => expect.objectContaining(r)),
    );
    expect(Object.keys(match.Resources[0]!).sort()).toEqual(['id', 'schemas']);
    const other = await list(
      scim,
      `/Users?${filter(`id eq "${id}" and manager eq "${randomUUID()}"`)}&attributes=id`,
    );
    expect(other.totalResults).toBe(0);
  });

  test('entra: Example 5 path manager with a [{$ref, value}] array sets the enterprise manager', async () => {
    const scim = await provider.directory();
    const boss = await created(scim, '/Users', example2('boss5'));
    const id = await created(scim, '/Users', example2('report5'));
    await patched(scim, `/Users/${id}`, {
      op: 'Add',
      path: 'manager',
      value: [{ $ref: `${scim.base}/Users/${boss}`, value: boss }],
    });
    expect((await read(scim, `/Users/${id}`))[ENTERPRISE].manager.value).toBe(boss);
    // A later change of manager arrives as a bare id; the old $ref must not stay behind pointing at the old boss.
    const next = await created(scim, '/Users', example2('boss5b'));
    await patched(scim, `/Users/${id}`, { op: 'Replace', path: `${ENTERPRISE}:manager`, value: next });
    // The old `$ref` is not kept: the new one is the new manager's URI (RFC 7643 §4.3).
    expect((await read(scim, `/Users/${id}`))[ENTERPRISE].manager).toEqual({
      value: next,
      $ref: `${scim.base}/Users/${next}`,
    });
  });

  test('entra: remove manager[value eq "id"] without the URN clears the manager, another id leaves it', async () => {
    const scim = await provider.directory();
    const boss = await created(scim, '/Users', example2('boss6'));
    const id = await created(scim, '/Users', example2('report6'));
    await patched(scim, `/Users/${id}`, { op: 'Add', path: `${ENTERPRISE}:manager`, value: { value: boss } });
    await patched(scim, `/Users/${id}`, { op: 'remove', path: `manager[value eq "${randomUUID()}"]` });
    expect((await read(scim, `/Users/${id}`))[ENTERPRISE].manager.value).toBe(boss);
    await patched(scim, `/Users/${id}`, { op: 'remove', path: `manager[value eq "${boss}"]` });
    const user = await read(scim, `/Users/${id}`);
    expect(user).not.toHaveProperty(ENTERPRISE);
    expect(user.schemas).toEqual([USER_SCHEMA]);
  });
});

describe('users, aadOptscim062020 dialect', () => {
  test('entra flag: a no-path replace whose keys are paths updates each of them and nothing else', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', { ...example2('multi'), title: 'Guide' });
    await patched(scim, `/Users/${id}`, {
      op: 'replace',
      value: {
        displayName: 'Joy Multi',
        'name.givenName': 'Joyce',
        'name.familyName': 'Multi',
        [`${ENTERPRISE}:employeeNumber`]: '42',
      },
    });
    const user = await read(scim, `/Users/${id}`);
    expect(user).toMatchObject({
      displayName: 'Joy Multi',
      title: 'Guide',
      name: { givenName: 'Joyce', familyName: 'Multi' },
    });
    expect(user[ENTERPRISE]).toEqual({ employeeNumber: '42' });
  });

  test('entra flag: replace active with a boolean deactivates and reactivates', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', example2('flagsoft'));
    await patched(scim, `/Users/${id}`, { op: 'replace', path: 'active', value: false });
    expect((await read(scim, `/Users/${id}`)).active).toBe(false);
    await patched(scim, `/Users/${id}`, { op: 'replace', path: 'active', value: true });
    expect((await read(scim, `/Users/${id}`)).active).toBe(true);
  });
});

describe('groups', () => {
  test('entra: group push with the ADSCIM URN, "Add" several members, "Remove" with a value list removes only those', async () => {
    const scim = await provider.directory();
    const [a, b, c] = [
      await created(scim, '/Users', example2('ga')),
      await created(scim, '/Users', example2('gb')),
      await created(scim, '/Users', example2('gc')),
    ];
    const lookup = `/Groups?excludedAttributes=members&${filter('displayName eq "Group1DisplayName"')}`;
    expect((await list(scim, lookup)).totalResults).toBe(0);
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA, ADSCIM_GROUP],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1DisplayName',
      meta: { resourceType: 'Group' },
    });
    const found = await list(scim, lookup);
    expect(found.Resources.map((g) => g.id)).toEqual([groupId]);
    expect(found.Resources[0]).not.toHaveProperty('members');

    await patched(scim, `/Groups/${groupId}`, {
      op: 'Add',
      path: 'members',
      value: [
        { $ref: null, value: a },
        { $ref: null, value: b },
        { $ref: null, value: c },
      ],
    });
    expect(await memberIds(scim, groupId)).toEqual(sorted(a, b, c));
    expect(await groupIdsOf(scim, a)).toEqual([groupId]);

    await patched(scim, `/Groups/${groupId}`, {
      op: 'Remove',
      path: 'members',
      value: [{ $ref: null, value: a }],
    });
    expect(await memberIds(scim, groupId)).toEqual(sorted(b, c));
    expect(await groupIdsOf(scim, a)).toEqual([]);

    const slim = await read(scim, `/Groups/${groupId}?excludedAttributes=members`);
    expect(slim).not.toHaveProperty('members');
    expect(slim.displayName).toBe('Group1DisplayName');
  });

  test('entra flag: remove with path members[value eq "id"] removes that member only', async () => {
    const scim = await provider.directory();
    const [a, b] = [
      await created(scim, '/Users', example2('fa')),
      await created(scim, '/Users', example2('fb')),
    ];
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Flagged',
      members: [{ value: a }, { value: b }],
    });
    await patched(scim, `/Groups/${groupId}`, { op: 'remove', path: `members[value eq "${a}"]` });
    expect(await memberIds(scim, groupId)).toEqual([b]);
    // A stale removal of a non-member is a no-op (IDP-QUIRKS §11.2).
    await patched(scim, `/Groups/${groupId}`, { op: 'remove', path: `members[value eq "${a}"]` });
    expect(await memberIds(scim, groupId)).toEqual([b]);
  });

  test('entra: a duplicate group displayName is 409, and displayName eq matches exactly one group', async () => {
    const scim = await provider.directory();
    const sales = await created(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Sales' });
    await created(scim, '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Sales EMEA' });
    const dup = await scim.post('/Groups', { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], displayName: 'sales' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
    });
    // A "contains" match would return both groups and fail the sync (FusionAuth #3111).
    for (const name of ['Sales', 'SALES']) {
      const found = await list(
        scim,
        `/Groups?excludedAttributes=members&${filter(`displayName eq "${name}"`)}`,
      );
      expect(found.Resources.map((g) => g.id)).toEqual([sales]);
    }
  });

  test('entra: group DELETE answers 204 and the group is gone from its members', async () => {
    const scim = await provider.directory();
    const a = await created(scim, '/Users', example2('gd'));
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Doomed',
      members: [{ value: a }],
    });
    expect((await scim.delete(`/Groups/${groupId}`)).status).toBe(204);
    expect((await scim.get(`/Groups/${groupId}`)).status).toBe(404);
    expect(await groupIdsOf(scim, a)).toEqual([]);
  });
});

describe('Microsoft SCIM Validator', () => {
  test('entra validator: create with roles[].primary "True" and a manager id that does not exist', async () => {
    const scim = await provider.directory();
    const res = await scim.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: 'validator.user@contoso.example',
      active: true,
      displayName: 'Validator User',
      emails: [{ type: 'work', value: 'validator.user@contoso.example', primary: true }],
      roles: [{ primary: 'True', display: 'Admin', value: 'admin', type: 'WindowsAzureActiveDirectoryRole' }],
      [ENTERPRISE]: { department: 'QA', manager: { value: 'GZFDHGRKQLCG' } },
    });
    expect(res.status).toBe(201);
    const user = await read(scim, `/Users/${res.body.id}`);
    expect(user.roles).toEqual([
      { primary: true, display: 'Admin', value: 'admin', type: 'WindowsAzureActiveDirectoryRole' },
    ]);
    expect(user[ENTERPRISE]).toMatchObject({ department: 'QA', manager: { value: 'GZFDHGRKQLCG' } });
  });

  test('entra validator: "Add Attributes Verbose" on a minimal user creates every filtered element', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', { schemas: [USER_SCHEMA], userName: 'verbose@contoso.example' });
    await patched(
      scim,
      `/Users/${id}`,
      { op: 'add', path: 'roles[primary eq "True"].display', value: 'Writer' },
      { op: 'add', path: 'roles[primary eq "True"].value', value: 'writer' },
      { op: 'add', path: 'roles[primary eq "True"].type', value: 'app' },
      { op: 'add', path: 'emails[type eq "work"].value', value: 'verbose@contoso.example' },
      { op: 'add', path: 'emails[type eq "work"].primary', value: true },
      { op: 'add', path: 'addresses[type eq "work"].streetAddress', value: '100 Universal City Plaza' },
      { op: 'add', path: 'addresses[type eq "work"].locality', value: 'Hollywood' },
      { op: 'add', path: 'addresses[type eq "work"].postalCode', value: '91608' },
      { op: 'add', path: 'addresses[type eq "work"].country', value: 'USA' },
      { op: 'add', path: 'name.givenName', value: 'Ver' },
      { op: 'add', path: 'name.familyName', value: 'Bose' },
      { op: 'add', path: 'name.formatted', value: 'Ver Bose' },
      { op: 'add', path: 'title', value: 'Tester' },
      { op: 'add', path: `${ENTERPRISE}:employeeNumber`, value: '7' },
      { op: 'add', path: `${ENTERPRISE}:costCenter`, value: 'CC1' },
      { op: 'add', path: `${ENTERPRISE}:division`, value: 'Div' },
    );
    const user = await read(scim, `/Users/${id}`);
    expect(user.roles).toEqual([{ primary: true, display: 'Writer', value: 'writer', type: 'app' }]);
    expect(user.emails).toEqual([{ type: 'work', value: 'verbose@contoso.example', primary: true }]);
    expect(user.addresses).toEqual([
      {
        type: 'work',
        streetAddress: '100 Universal City Plaza',
        locality: 'Hollywood',
        postalCode: '91608',
        country: 'USA',
      },
    ]);
    expect(user.name).toEqual({ givenName: 'Ver', familyName: 'Bose', formatted: 'Ver Bose' });
    expect(user.title).toBe('Tester');
    expect(user[ENTERPRISE]).toEqual({ employeeNumber: '7', costCenter: 'CC1', division: 'Div' });
  });

  test('entra validator: no-path replace of userName, then the user is found by the new name in another case', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', example2('rename'));
    await patched(scim, `/Users/${id}`, { op: 'replace', value: { userName: 'Renamed@Contoso.example' } });
    expect((await read(scim, `/Users/${id}`)).userName).toBe('Renamed@Contoso.example');
    const found = await list(scim, `/Users?${filter('userName eq "RENAMED@contoso.EXAMPLE"')}`);
    expect(found.Resources.map((u) => u.id)).toEqual([id]);
  });

  test('entra validator: manager add as {value}, replace as a bare string, remove as replace ""', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', example2('managed'));
    await patched(scim, `/Users/${id}`, { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'M1' } });
    expect((await read(scim, `/Users/${id}`))[ENTERPRISE].manager.value).toBe('M1');
    await patched(scim, `/Users/${id}`, { op: 'replace', path: `${ENTERPRISE}:manager`, value: 'M2' });
    expect((await read(scim, `/Users/${id}`))[ENTERPRISE].manager.value).toBe('M2');
    await patched(scim, `/Users/${id}`, { op: 'replace', path: `${ENTERPRISE}:manager`, value: '' });
    expect(await read(scim, `/Users/${id}`)).not.toHaveProperty(ENTERPRISE);
  });

  test('entra validator: remove, add and replace of externalId in one request apply in order', async () => {
    const scim = await provider.directory();
    const id = await created(scim, '/Users', example2('ordered'));
    await patched(
      scim,
      `/Users/${id}`,
      { op: 'remove', path: 'externalId' },
      { op: 'add', path: 'externalId', value: 'second' },
      { op: 'replace', path: 'externalId', value: 'third' },
    );
    expect((await read(scim, `/Users/${id}`)).externalId).toBe('third');
  });

  test('entra validator: DELETE of an unknown id answers 404', async () => {
    const scim = await provider.directory();
    const res = await scim.delete(`/Users/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body.detail).toEqual(expect.any(String));
  });

  test('entra validator: group no-path replace of {displayName, externalId}, replace externalId, add and remove a member', async () => {
    const scim = await provider.directory();
    const a = await created(scim, '/Users', example2('vm'));
    const groupId = await created(scim, '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Validator Group',
      externalId: 'e1',
    });
    const inOtherCase = await list(scim, `/Groups?${filter('displayName eq "VALIDATOR group"')}`);
    expect(inOtherCase.Resources.map((g) => g.id)).toEqual([groupId]);
    await patched(scim, `/Groups/${groupId}`, {
      op: 'replace',
      value: { displayName: 'Validator Renamed', externalId: 'e2' },
    });
    expect(await read(scim, `/Groups/${groupId}`)).toMatchObject({
      displayName: 'Validator Renamed',
      externalId: 'e2',
    });
    await patched(scim, `/Groups/${groupId}`, { op: 'replace', path: 'externalId', value: 'e3' });
    expect((await read(scim, `/Groups/${groupId}`)).externalId).toBe('e3');
    await patched(scim, `/Groups/${groupId}`, { op: 'add', path: 'members', value: [{ value: a }] });
    expect(await memberIds(scim, groupId)).toEqual([a]);
    await patched(scim, `/Groups/${groupId}`, { op: 'remove', path: 'members', value: [{ value: a }] });
    expect(await memberIds(scim, groupId)).toEqual([]);
  });
});
