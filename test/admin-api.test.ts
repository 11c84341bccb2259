import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROVIDERS } from '../src/tenants/providers.js';
import { type TestApp, http, startTestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL: 'https://roster.example.com' });
});
afterAll(() => t.close());

const api = (path: string, init: Parameters<typeof http>[1] = {}) =>
  http(`${t.url}/api/v1${path}`, { key: t.adminKey, ...init });

describe('organizations', () => {
  test('create, get, rename, list and delete', async () => {
    const created = await api('/organizations', { method: 'POST', body: { name: 'Acme' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), name: 'Acme' });
    const id = created.body.id as string;

    expect((await api(`/organizations/${id}`)).body.name).toBe('Acme');
    const renamed = await api(`/organizations/${id}`, { method: 'PATCH', body: { name: 'Acme Corp' } });
    expect(renamed.body.name).toBe('Acme Corp');

    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api(`/organizations?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(1);
      all.push(...page.body.data.map((o: { id: string }) => o.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(all).toContain(id);
    expect(new Set(all).size).toBe(all.length);

    expect((await api(`/organizations/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/organizations/${id}`)).status).toBe(404);
    expect((await api(`/organizations/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  test.each<[object, string]>([
    [{}, 'missing name'],
    [{ name: '' }, 'empty name'],
    [{ name: 'x'.repeat(201) }, 'name too long'],
    [{ name: 'A', extra: 1 }, 'unknown field'],
  ])('rejects %j (%s) with validation_failed and creates nothing', async (body) => {
    const before = (await api('/organizations?limit=200')).body.data.length as number;
    const res = await api('/organizations', { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await api('/organizations?limit=200')).body.data.length).toBe(before);
  });

  test('malformed JSON, wrong content type, bad ids and bad cursors are clear errors', async () => {
    const badJson = await api('/organizations', { method: 'POST', body: '{"name":', headers: {} });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('validation_failed');
    const text = await api('/organizations', {
      method: 'POST',
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    expect((await api('/organizations/not-a-uuid')).body.error.code).toBe('validation_failed');
    expect((await api('/organizations?cursor=garbage')).body.error.code).toBe('validation_failed');
    expect((await api('/organizations?limit=1000')).body.error.code).toBe('validation_failed');
    // A misspelled parameter is refused, not ignored (it would silently widen a filtered list).
    const typo = await api('/organizations?limt=5');
    expect(typo.status).toBe(400);
    expect(typo.body.error.code).toBe('validation_failed');
    const unknown = await api('/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });
});

describe('directories', () => {
  test('create in an organization, get, list, update state and delete', async () => {
    const org = (await api('/organizations', { method: 'POST', body: { name: 'Dirs' } })).body;
    const created = await api(`/organizations/${org.id}/directories`, {
      method: 'POST',
      body: { name: 'Acme Entra', provider: 'entra' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      organizationId: org.id,
      name: 'Acme Entra',
      provider: 'entra',
      state: 'active',
      scimBaseUrl: `https://roster.example.com/scim/v2/${created.body.id}`,
    });
    const id = created.body.id as string;
    expect((await api(`/directories/${id}`)).body.id).toBe(id);
    const list = await api(`/organizations/${org.id}/directories`);
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual([id]);
    const deactivated = await api(`/directories/${id}`, { method: 'PATCH', body: { state: 'inactive' } });
    expect(deactivated.body.state).toBe('inactive');
    expect((await api(`/directories/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/directories/${id}`)).status).toBe(404);
  });

  test('a directory can be created for every provider, and without one it is generic', async () => {
    const org = (await api('/organizations', { method: 'POST', body: { name: 'Providers' } })).body;
    for (const provider of [...PROVIDERS, 'rauthy', 'keycloak']) {
      const res = await api(`/organizations/${org.id}/directories`, {
        method: 'POST',
        body: { name: provider, provider },
      });
      expect(res.status, provider).toBe(201);
      expect(res.body.provider).toBe(provider);
    }
    const plain = await api(`/organizations/${org.id}/directories`, { method: 'POST', body: { name: 'p' } });
    expect(plain.body.provider).toBe('generic');
    expect(PROVIDERS.at(-1)).toBe('generic');
  });

  test('an unknown provider or organization is refused', async () => {
    const org = (await api('/organizations', { method: 'POST', body: { name: 'P' } })).body;
    const bad = await api(`/organizations/${org.id}/directories`, {
      method: 'POST',
      body: { name: 'x', provider: 'myspace' },
    });
    expect(bad.status).toBe(400);
    const missing = await api(`/organizations/01a20000-0000-7000-8000-000000000000/directories`, {
      method: 'POST',
      body: { name: 'x', provider: 'okta' },
    });
    expect(missing.status).toBe(404);
  });

  test('deleting an organization removes its directories and tokens', async () => {
    const org = (await api('/organizations', { method: 'POST', body: { name: 'Gone' } })).body;
    const dir = (await api(`/organizations/${org.id}/directories`, { method: 'POST', body: { name: 'd' } }))
      .body;
    const token = (await api(`/directories/${dir.id}/tokens`, { method: 'POST', body: {} })).body;
    await api(`/organizations/${org.id}`, { method: 'DELETE' });
    expect((await api(`/directories/${dir.id}`)).status).toBe(404);
    const scim = await http(`${t.url}/scim/v2/${dir.id}/ServiceProviderConfig`, { key: token.token });
    expect(scim.status).toBe(401);
  });
});

describe('SCIM tokens', () => {
  test('issue shows the secret once; list never shows it; revoke takes effect at once', async () => {
    const org = (await api('/organizations', { method: 'POST', body: { name: 'Tok' } })).body;
    const dir = (await api(`/organizations/${org.id}/directories`, { method: 'POST', body: { name: 'd' } }))
      .body;
    const issued = await api(`/directories/${dir.id}/tokens`, {
      method: 'POST',
      body: { name: 'entra', scopes: ['scim:read'], expiresInSeconds: 3600 },
    });
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^rst_scim_[A-Za-z0-9_-]{43}$/);
    expect(issued.body).toMatchObject({ directoryId: dir.id, scopes: ['scim:read'], name: 'entra' });
    const expiresIn = Date.parse(issued.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);

    const listed = await api(`/directories/${dir.id}/tokens`);
    expect(listed.text).not.toContain(issued.body.token);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({ id: issued.body.id, hint: issued.body.token.slice(0, 13) });
    expect(listed.body.data[0]).not.toHaveProperty('token');

    const spc = `${t.url}/scim/v2/${dir.id}/ServiceProviderConfig`;
    expect((await http(spc, { key: issued.body.token })).status).toBe(200);
    expect((await api(`/directories/${dir.id}/tokens/${issued.body.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await http(spc, { key: issued.body.token })).status).toBe(401);
    expect((await api(`/directories/${dir.id}/tokens`)).body.data[0].revokedAt).not.toBeNull();
    expect((await api(`/directories/${dir.id}/tokens/${issued.body.id}`, { method: 'DELETE' })).status).toBe(
      404,
    );
  });

  test('default expiry is 365 days; scopes outside SCIM are refused', async () => {
    const org = (await api('/organizations', { method: 'POST', body: { name: 'Exp' } })).body;
    const dir = (await api(`/organizations/${org.id}/directories`, { method: 'POST', body: { name: 'd' } }))
      .body;
    const issued = await api(`/directories/${dir.id}/tokens`, { method: 'POST', body: {} });
    const days = (Date.parse(issued.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364.9);
    expect(days).toBeLessThanOrEqual(365);
    expect(issued.body.scopes).toEqual(['scim:read', 'scim:write']);
    const bad = await api(`/directories/${dir.id}/tokens`, {
      method: 'POST',
      body: { scopes: ['admin:write'] },
    });
    expect(bad.status).toBe(400);
  });

  test('rotation issues a successor and revokes the old token, or lets it live through a grace period', async () => {
    const org = (await api('/organizations', { method: 'POST', body: { name: 'Rot' } })).body;
    const dir = (await api(`/organizations/${org.id}/directories`, { method: 'POST', body: { name: 'd' } }))
      .body;
    const spc = `${t.url}/scim/v2/${dir.id}/ServiceProviderConfig`;
    const first = (
      await api(`/directories/${dir.id}/tokens`, { method: 'POST', body: { scopes: ['scim:read'] } })
    ).body;
    const second = await api(`/directories/${dir.id}/tokens/${first.id}/rotate`, {
      method: 'POST',
      body: {},
    });
    expect(second.status).toBe(201);
    expect(second.body.scopes).toEqual(['scim:read']);
    expect((await http(spc, { key: first.token })).status).toBe(401);
    expect((await http(spc, { key: second.body.token })).status).toBe(200);

    const third = await api(`/directories/${dir.id}/tokens/${second.body.id}/rotate`, {
      method: 'POST',
      body: { graceSeconds: 3600 },
    });
    expect((await http(spc, { key: second.body.token })).status).toBe(200);
    expect((await http(spc, { key: third.body.token })).status).toBe(200);
  });
});

describe('OpenAPI', () => {
  test('the document is generated from the route schemas and needs no key', async () => {
    const doc = await http(`${t.url}/api/v1/openapi.json`);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/organizations',
        '/api/v1/organizations/{organizationId}/directories',
        '/api/v1/directories/{directoryId}/tokens',
        '/api/v1/directories/{directoryId}/tokens/{tokenId}',
        '/api/v1/admin-keys',
      ]),
    );
    expect(doc.body.paths['/api/v1/organizations'].post.requestBody).toBeDefined();
  });
});

describe('audit log', () => {
  test('records who created and revoked what, without secrets', async () => {
    const org = (await api('/organizations', { method: 'POST', body: { name: 'Aud' } })).body;
    const dir = (await api(`/organizations/${org.id}/directories`, { method: 'POST', body: { name: 'd' } }))
      .body;
    const token = (await api(`/directories/${dir.id}/tokens`, { method: 'POST', body: {} })).body;
    await api(`/directories/${dir.id}/tokens/${token.id}`, { method: 'DELETE' });
    const log = await api(`/audit-log?organizationId=${org.id}`);
    expect(log.body.data.map((e: { action: string }) => e.action)).toEqual([
      'organization.created',
      'directory.created',
      'scim.token_issued',
      'scim.token_revoked',
    ]);
    expect(log.body.data[0].actorLabel).toMatch(/^admin_key:rst_admin_/);
    expect(log.text).not.toContain(token.token);
  });
});
