/** SCIM Users through HTTP against real PostgreSQL: RFC 7644 §3.3-3.6, §3.14 and the uniqueness rules. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ENTERPRISE,
  PATCH_OP,
  type ScimClient,
  USER_SCHEMA,
  scimClient,
  userBody,
} from './support/scim-client.js';
import { type TestApp, createTenant, startTestApp } from './support/test-app.js';

let t: TestApp;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t);
  scim = scimClient(t.url, tenant.directoryId, tenant.token);
});
afterAll(() => t.close());

describe('create and read', () => {
  test('POST answers 201 with Location, ETag and server-owned meta; password is never returned', async () => {
    const res = await scim.post('/Users', {
      ...userBody('bjensen@example.com'),
      externalId: 'bjensen',
      password: 't1meMa$heen',
      [ENTERPRISE]: {
        department: 'Tour Operations',
        manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' },
      },
      schemas: [USER_SCHEMA, ENTERPRISE],
      meta: { resourceType: 'Hacked', version: 'W/"999"' },
      id: 'client-chosen-id',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    const user = res.body;
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.id).not.toBe('client-chosen-id');
    expect(res.headers.get('location')).toBe(`${scim.base}/Users/${user.id}`);
    expect(res.headers.get('etag')).toBe(user.meta.version);
    expect(user.meta).toMatchObject({ resourceType: 'User', location: `${scim.base}/Users/${user.id}` });
    expect(user.meta.version).toMatch(/^W\/"\d+"$/);
    expect(user).not.toHaveProperty('password');
    expect(user.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    expect(user[ENTERPRISE].department).toBe('Tour Operations');

    const read = await scim.get(`/Users/${user.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(user);
    expect(read.text).not.toContain('t1meMa$heen');
  });

  test('userName is unique per directory, case-insensitively (409 uniqueness); other directories are unaffected', async () => {
    expect((await scim.post('/Users', userBody('Unique.Person'))).status).toBe(201);
    const dup = await scim.post('/Users', userBody('unique.person'));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const other = await createTenant(t);
    const otherScim = scimClient(t.url, other.directoryId, other.token);
    expect((await otherScim.post('/Users', userBody('unique.person'))).status).toBe(201);
  });

  test('bad bodies are 400 and create nothing', async () => {
    const before = (await scim.get('/Users?count=0')).body.totalResults as number;
    const missing = await scim.post('/Users', { schemas: [USER_SCHEMA], name: { givenName: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.body.scimType).toBe('invalidValue');
    const wrongType = await scim.post('/Users', { ...userBody('typed'), active: 'sometimes' });
    expect(wrongType.status).toBe(400);
    const notJson = await scim.post('/Users', '{"userName":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.scimType).toBe('invalidSyntax');
    expect((await scim.get('/Users?count=0')).body.totalResults).toBe(before);
  });

  test('unknown ids are 404 with a SCIM error; a non-UUID id too', async () => {
    for (const id of ['01a20000-0000-7000-8000-000000000000', '0', 'not-an-id']) {
      const res = await scim.get(`/Users/${id}`);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '404',
      });
    }
  });
});

describe('replace, patch, delete', () => {
  test('PUT replaces writable attributes and keeps id and created; unchanged PUT keeps the version', async () => {
    const created = (await scim.post('/Users', { ...userBody('put.me'), title: 'Tour Guide', nickName: 'P' }))
      .body;
    const replaced = await scim.put(`/Users/${created.id}`, { ...userBody('put.me'), title: 'Manager' });
    expect(replaced.status).toBe(200);
    expect(replaced.body.title).toBe('Manager');
    expect(replaced.body).not.toHaveProperty('nickName');
    expect(replaced.body.meta.created).toBe(created.meta.created);
    expect(replaced.body.meta.version).not.toBe(created.meta.version);
    const again = await scim.put(`/Users/${created.id}`, { ...userBody('put.me'), title: 'Manager' });
    expect(again.body.meta.version).toBe(replaced.body.meta.version);
  });

  test('PATCH with Entra-style operations; the response is the updated user', async () => {
    const created = (await scim.post('/Users', userBody('patch.me'))).body;
    const res = await scim.patch(`/Users/${created.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
        { op: 'add', path: `${ENTERPRISE}:department`, value: 'Sales' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect(res.body.emails).toEqual([{ value: 'new@example.com', type: 'work', primary: true }]);
    expect(res.body[ENTERPRISE].department).toBe('Sales');
    // A deactivated user stays readable and filterable (IDP-QUIRKS §1 item 9).
    expect((await scim.get(`/Users/${created.id}`)).body.active).toBe(false);
  });

  test('a PATCH with one bad operation changes nothing', async () => {
    const created = (await scim.post('/Users', userBody('atomic'))).body;
    const res = await scim.patch(`/Users/${created.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'title', value: 'Changed' },
        { op: 'replace', path: 'id', value: 'nope' },
      ],
    });
    expect(res.status).toBe(400);
    const read = (await scim.get(`/Users/${created.id}`)).body;
    expect(read).not.toHaveProperty('title');
    expect(read.meta.version).toBe(created.meta.version);
  });

  test('DELETE answers 204, then 404', async () => {
    const created = (await scim.post('/Users', userBody('delete.me'))).body;
    expect((await scim.delete(`/Users/${created.id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${created.id}`)).status).toBe(404);
    expect((await scim.delete(`/Users/${created.id}`)).status).toBe(404);
  });
});

describe('versions (RFC 7644 §3.14)', () => {
  test('If-None-Match with the current ETag answers 304; If-Match with a stale one 412 and changes nothing', async () => {
    const created = await scim.post('/Users', userBody('etag.user'));
    const etag = created.headers.get('etag')!;
    expect((await scim.get(`/Users/${created.body.id}`, { 'if-none-match': etag })).status).toBe(304);
    const updated = await scim.put(
      `/Users/${created.body.id}`,
      { ...userBody('etag.user'), title: 'A' },
      {
        'if-match': etag,
      },
    );
    expect(updated.status).toBe(200);
    const stale = await scim.put(
      `/Users/${created.body.id}`,
      { ...userBody('etag.user'), title: 'B' },
      {
        'if-match': etag,
      },
    );
    expect(stale.status).toBe(412);
    const patchStale = await scim.patch(
      `/Users/${created.body.id}`,
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'C' }] },
      { 'if-match': etag },
    );
    expect(patchStale.status).toBe(412);
    expect((await scim.delete(`/Users/${created.body.id}`, { 'if-match': etag })).status).toBe(412);
    expect((await scim.get(`/Users/${created.body.id}`)).body.title).toBe('A');
    expect((await scim.get(`/Users/${created.body.id}`, { 'if-none-match': etag })).status).toBe(200);
    expect((await scim.delete(`/Users/${created.body.id}`, { 'if-match': '*' })).status).toBe(204);
  });
});

describe('attributes and excludedAttributes (RFC 7644 §3.9)', () => {
  test('attributes narrows to what was asked plus id and schemas; excludedAttributes removes', async () => {
    const created = (await scim.post('/Users', userBody('projected'))).body;
    const narrow = await scim.get(`/Users/${created.id}?attributes=userName,name.familyName`);
    expect(Object.keys(narrow.body).sort()).toEqual(['id', 'name', 'schemas', 'userName']);
    expect(narrow.body.name).toEqual({ familyName: 'Jensen' });
    const without = await scim.get(`/Users/${created.id}?excludedAttributes=emails,meta`);
    expect(without.body).not.toHaveProperty('emails');
    expect(without.body).not.toHaveProperty('meta');
    expect(without.body.userName).toBe('projected');
  });
});
