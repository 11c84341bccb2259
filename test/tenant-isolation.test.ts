/**
 * Cross-tenant access: every attempt to reach another organization's or directory's objects fails, admin API
 * with 404 (never 403, so existence does not leak), SCIM with 401 (the token does not belong to that directory).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';

let t: TestApp;
let a: Awaited<ReturnType<typeof createTenant>>;
let b: Awaited<ReturnType<typeof createTenant>>;
let keyA: string;
let keyAId: string;

beforeAll(async () => {
  t = await startTestApp();
  a = await createTenant(t);
  b = await createTenant(t);
  const issued = await http(`${t.url}/api/v1/admin-keys`, {
    method: 'POST',
    key: t.adminKey,
    body: { organizationId: a.organizationId, name: 'acme admin' },
  });
  expect(issued.status).toBe(201);
  keyA = issued.body.key;
  keyAId = issued.body.id;
});
afterAll(() => t.close());

const asA = (path: string, init: Parameters<typeof http>[1] = {}) =>
  http(`${t.url}/api/v1${path}`, { key: keyA, ...init });

describe('organization admin keys', () => {
  test('see and manage their own organization', async () => {
    expect((await asA(`/organizations/${a.organizationId}`)).status).toBe(200);
    const orgs = await asA('/organizations');
    expect(orgs.body.data.map((o: { id: string }) => o.id)).toEqual([a.organizationId]);
    const dir = await asA(`/organizations/${a.organizationId}/directories`, {
      method: 'POST',
      body: { name: 'second', provider: 'okta' },
    });
    expect(dir.status).toBe(201);
    expect((await asA(`/directories/${dir.body.id}/tokens`, { method: 'POST', body: {} })).status).toBe(201);
  });

  test.each([
    ['GET', () => `/organizations/${b.organizationId}`, undefined],
    ['PATCH', () => `/organizations/${b.organizationId}`, { name: 'pwned' }],
    ['DELETE', () => `/organizations/${b.organizationId}`, undefined],
    ['GET', () => `/organizations/${b.organizationId}/directories`, undefined],
    ['POST', () => `/organizations/${b.organizationId}/directories`, { name: 'x', provider: 'okta' }],
    ['GET', () => `/directories/${b.directoryId}`, undefined],
    ['PATCH', () => `/directories/${b.directoryId}`, { state: 'inactive' }],
    ['DELETE', () => `/directories/${b.directoryId}`, undefined],
    ['GET', () => `/directories/${b.directoryId}/tokens`, undefined],
    ['POST', () => `/directories/${b.directoryId}/tokens`, {}],
    ['DELETE', () => `/directories/${b.directoryId}/tokens/${b.tokenId}`, undefined],
    ['POST', () => `/directories/${b.directoryId}/tokens/${b.tokenId}/rotate`, {}],
    ['DELETE', () => `/directories/${a.directoryId}/tokens/${b.tokenId}`, undefined],
    ['GET', () => `/directories/${b.directoryId}/attribute-mapping`, undefined],
    ['PUT', () => `/directories/${b.directoryId}/attribute-mapping`, { mappings: [] }],
    ['PUT', () => `/directories/${b.directoryId}/attribute-mapping?dryRun=true`, { mappings: [] }],
    [
      'PATCH',
      () => `/directories/${b.directoryId}/users/${crypto.randomUUID()}/custom-attributes`,
      { department: 'x' },
    ],
    ['GET', () => `/admin-keys?organizationId=${b.organizationId}`, undefined],
    ['POST', () => `/admin-keys`, () => ({ organizationId: b.organizationId })],
    ['GET', () => `/audit-log?organizationId=${b.organizationId}`, undefined],
  ] as [string, () => string, unknown][])(
    "cannot %s another organization's %s (404)",
    async (method, path, body) => {
      const payload = typeof body === 'function' ? (body as () => unknown)() : body;
      const res = await asA(path(), { method, ...(payload ? { body: payload } : {}) });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    },
  );

  test("another organization's objects are unchanged afterwards", async () => {
    const org = await http(`${t.url}/api/v1/organizations/${b.organizationId}`, { key: t.adminKey });
    expect(org.body.name).not.toBe('pwned');
    const dir = await http(`${t.url}/api/v1/directories/${b.directoryId}`, { key: t.adminKey });
    expect(dir.body.state).toBe('active');
    const scim = await http(`${t.url}/scim/v2/${b.directoryId}/ServiceProviderConfig`, { key: b.token });
    expect(scim.status).toBe(200);
  });

  test('cannot act as the platform (403)', async () => {
    expect((await asA('/organizations', { method: 'POST', body: { name: 'x' } })).status).toBe(403);
    expect((await asA('/admin-keys', { method: 'POST', body: {} })).status).toBe(403);
    expect((await asA(`/organizations/${a.organizationId}`, { method: 'DELETE' })).status).toBe(403);
  });

  test('cannot revoke platform keys or other organizations keys', async () => {
    const platformKeys = await http(`${t.url}/api/v1/admin-keys`, { key: t.adminKey });
    const platformKeyId = platformKeys.body.data[0].id as string;
    expect((await asA(`/admin-keys/${platformKeyId}`, { method: 'DELETE' })).status).toBe(404);
  });

  test('read-only keys cannot write, and keys cannot grant scopes they lack', async () => {
    const ro = await asA('/admin-keys', {
      method: 'POST',
      body: { organizationId: a.organizationId, scopes: ['admin:read'] },
    });
    expect(ro.status).toBe(201);
    const readOnly = ro.body.key as string;
    expect((await http(`${t.url}/api/v1/organizations/${a.organizationId}`, { key: readOnly })).status).toBe(
      200,
    );
    const write = await http(`${t.url}/api/v1/directories/${a.directoryId}/tokens`, {
      method: 'POST',
      key: readOnly,
      body: {},
    });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('forbidden');
    const escalate = await http(`${t.url}/api/v1/admin-keys`, {
      method: 'POST',
      key: readOnly,
      body: { organizationId: a.organizationId, scopes: ['admin:write'] },
    });
    expect(escalate.status).toBe(403);
  });

  test('a revoked admin key is refused at once', async () => {
    const extra = await asA('/admin-keys', { method: 'POST', body: { organizationId: a.organizationId } });
    const key = extra.body.key as string;
    expect((await http(`${t.url}/api/v1/organizations`, { key })).status).toBe(200);
    expect((await asA(`/admin-keys/${extra.body.id}`, { method: 'DELETE' })).status).toBe(204);
    const after = await http(`${t.url}/api/v1/organizations`, { key });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
    expect(keyAId).toBeDefined();
  });
});

describe('SCIM tokens', () => {
  const spc = (directoryId: string) => `${t.url}/scim/v2/${directoryId}/ServiceProviderConfig`;

  test("a token works only on its own directory; elsewhere it is 401, as for a directory that doesn't exist", async () => {
    expect((await http(spc(a.directoryId), { key: a.token })).status).toBe(200);
    const cross = await http(spc(b.directoryId), { key: a.token });
    const missing = await http(spc('01a20000-0000-7000-8000-000000000000'), { key: a.token });
    const malformed = await http(spc('not-a-uuid'), { key: a.token });
    for (const res of [cross, missing, malformed]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.body).toEqual(cross.body);
    }
    expect(cross.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401',
      detail: 'Authorization failure',
    });
  });

  test.each([
    ['no header', undefined],
    ['garbage', 'Bearer nonsense'],
    ['basic auth', 'Basic dXNlcjpwYXNz'],
    ['an unknown token', 'Bearer rst_scim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('%s is 401', async (_label, header) => {
    const res = await http(spc(a.directoryId), { headers: header ? { authorization: header } : {} });
    expect(res.status).toBe(401);
  });

  test('admin keys do not work on SCIM, and SCIM tokens do not work on the admin API', async () => {
    expect((await http(spc(a.directoryId), { key: t.adminKey })).status).toBe(401);
    expect((await http(`${t.url}/api/v1/organizations`, { key: a.token })).status).toBe(401);
  });

  test('an expired token is 401', async () => {
    const issued = await http(`${t.url}/api/v1/directories/${a.directoryId}/tokens`, {
      method: 'POST',
      key: t.adminKey,
      body: { expiresInSeconds: 60 },
    });
    await t.db.pool.query("update credentials set expires_at = now() - interval '1 second' where id = $1", [
      issued.body.id,
    ]);
    expect((await http(spc(a.directoryId), { key: issued.body.token })).status).toBe(401);
  });

  test('scopes are enforced with 403', async () => {
    const readOnly = await http(`${t.url}/api/v1/directories/${a.directoryId}/tokens`, {
      method: 'POST',
      key: t.adminKey,
      body: { scopes: ['scim:read'] },
    });
    const writeOnly = await http(`${t.url}/api/v1/directories/${a.directoryId}/tokens`, {
      method: 'POST',
      key: t.adminKey,
      body: { scopes: ['scim:write'] },
    });
    expect((await http(spc(a.directoryId), { key: readOnly.body.token })).status).toBe(200);
    const denied = await http(spc(a.directoryId), { key: writeOnly.body.token });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      status: '403',
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    });
  });

  test('a deactivated directory refuses SCIM requests until reactivated', async () => {
    const c = await createTenant(t);
    await http(`${t.url}/api/v1/directories/${c.directoryId}`, {
      method: 'PATCH',
      key: t.adminKey,
      body: { state: 'inactive' },
    });
    expect((await http(spc(c.directoryId), { key: c.token })).status).toBe(403);
    await http(`${t.url}/api/v1/directories/${c.directoryId}`, {
      method: 'PATCH',
      key: t.adminKey,
      body: { state: 'active' },
    });
    expect((await http(spc(c.directoryId), { key: c.token })).status).toBe(200);
  });
});
