/**
 * Provider profiles are data an operator can read (`GET /api/v1/providers`), and each directory counts what its
 * identity provider sent that needed a normalization or was not understood (`.../tolerance`, and `/metrics`).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PATCH_OP, USER_SCHEMA, scimClient, userBody } from './support/scim-client.js';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const api = (path: string, key = t.adminKey) => http(`${t.url}/api/v1${path}`, { key });

describe('GET /api/v1/providers', () => {
  test('lists every provider with its normalizations, unknown-attribute policy and PATCH response', async () => {
    const res = await api('/providers');
    expect(res.status).toBe(200);
    const byName = new Map<string, any>(res.body.data.map((p: any) => [p.provider, p]));
    for (const provider of ['entra', 'okta', 'onelogin', 'jumpcloud', 'google', 'rippling', 'generic']) {
      expect(byName.has(provider), provider).toBe(true);
    }
    const names = (p: any) => p.normalizations.map((n: any) => n.name);
    const generic = byName.get('generic');
    expect(generic.unknownAttributes).toBe('strict');
    expect(generic.normalizations.every((n: any) => n.safe)).toBe(true);
    expect(names(generic)).toContain('patch-op-case');
    expect(names(generic)).not.toContain('value-filter-creates');
    const entra = byName.get('entra');
    expect(entra.patchResponse).toBe(204);
    expect(entra.unknownAttributes).toBe('lenient');
    expect(names(entra)).toContain('value-filter-creates');
    expect(entra.normalizations[0]).toMatchObject({
      name: expect.any(String),
      quirk: expect.any(String),
      description: expect.any(String),
    });
    expect(byName.get('okta').patchResponse).toBe(200);
  });

  test('one provider by name, 404 for an unknown one, 401 without a key', async () => {
    expect((await api('/providers/okta')).body.provider).toBe('okta');
    const unknown = await api('/providers/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    expect((await http(`${t.url}/api/v1/providers`)).status).toBe(401);
  });
});

describe('GET /api/v1/directories/{id}/tolerance', () => {
  test('counts the normalizations an Entra directory needed and the attributes it sent that Roster does not know', async () => {
    const tenant = await createTenant(t, { provider: 'entra' });
    const scim = scimClient(t.url, tenant.directoryId, tenant.token);
    const created = await scim.post('/Users', { ...userBody('tol@example.com'), department: 'Sales' });
    expect(created.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const patched = await scim.patch(`/Users/${created.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', path: 'active', value: i === 0 ? 'False' : 'True' }],
      });
      expect(patched.status).toBe(204);
    }
    const res = await api(`/directories/${tenant.directoryId}/tolerance`);
    expect(res.status).toBe(200);
    expect(res.body.provider).toBe('entra');
    const count = (list: any[], name: string) => list.find((c) => c.name === name)?.count;
    expect(count(res.body.normalizations, 'patch-op-case')).toBe(2);
    expect(count(res.body.normalizations, 'string-booleans')).toBe(2);
    expect(count(res.body.ignoredInputs, 'department')).toBe(1);
    // Names only: no value the IdP sent is ever recorded.
    expect(JSON.stringify(res.body)).not.toContain('Sales');
    const metrics = await http(`${t.url}/metrics`);
    expect(metrics.text).toMatch(
      /roster_scim_normalizations_total\{provider="entra",normalization="patch-op-case"\} \d+/,
    );
  });

  test('a generic directory refuses the unknown attribute instead, and the other organization sees a 404', async () => {
    const tenant = await createTenant(t, { provider: 'generic' });
    const scim = scimClient(t.url, tenant.directoryId, tenant.token);
    const refused = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: 'strict@example.com',
      department: 'Sales',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidSyntax');
    expect(refused.body.detail).toContain('department');
    expect((await scim.get('/Users?filter=userName eq "strict@example.com"')).body.totalResults).toBe(0);

    const other = await createTenant(t);
    const key = await http(`${t.url}/api/v1/admin-keys`, {
      method: 'POST',
      key: t.adminKey,
      body: { organizationId: other.organizationId, scopes: ['admin:read'] },
    });
    expect(key.status).toBe(201);
    expect((await api(`/directories/${tenant.directoryId}/tolerance`, key.body.key)).status).toBe(404);
    expect((await api(`/directories/${other.directoryId}/tolerance`, key.body.key)).status).toBe(200);
  });
});

describe("a directory overriding its profile's unknown-attribute policy", () => {
  test('strict for an okta directory, lenient for a generic one, null back to the profile; effective at once', async () => {
    const okta = await createTenant(t, { provider: 'okta' });
    const scim = scimClient(t.url, okta.directoryId, okta.token);
    const body = (userName: string) => ({ schemas: [USER_SCHEMA], userName, costCentre: '42' });
    const setPolicy = (directoryId: string, unknownAttributes: string | null) =>
      http(`${t.url}/api/v1/directories/${directoryId}`, {
        method: 'PATCH',
        key: t.adminKey,
        body: { unknownAttributes },
      });

    expect((await scim.post('/Users', body('kept@example.com'))).body.costCentre).toBe('42');
    const strict = await setPolicy(okta.directoryId, 'strict');
    expect(strict.status).toBe(200);
    expect(strict.body).toMatchObject({ unknownAttributes: 'strict', unknownAttributesOverride: 'strict' });
    const refused = await scim.post('/Users', body('refused@example.com'));
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('costCentre');
    const back = await setPolicy(okta.directoryId, null);
    expect(back.body).toMatchObject({ unknownAttributes: 'lenient', unknownAttributesOverride: null });
    expect((await scim.post('/Users', body('again@example.com'))).status).toBe(201);

    const generic = await createTenant(t, { provider: 'generic' });
    expect((await api(`/directories/${generic.directoryId}`)).body.unknownAttributes).toBe('strict');
    await setPolicy(generic.directoryId, 'lenient');
    const lenient = scimClient(t.url, generic.directoryId, generic.token);
    expect((await lenient.post('/Users', body('lenient@example.com'))).body.costCentre).toBe('42');
    expect((await setPolicy(generic.directoryId, 'loose')).status).toBe(400);
  });
});
