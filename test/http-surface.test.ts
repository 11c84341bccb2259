/** Health, readiness, metrics, request ids, security headers, limits, and what never reaches the logs. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

let db: TestDatabase;
let t: TestApp;
const logs: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  t = await startTestApp({ ROSTER_BODY_LIMIT_BYTES: '2048' }, db, logs);
});
afterAll(async () => {
  await t.close();
  await db.close();
});

describe('health and metrics', () => {
  test('/healthz and /readyz answer without credentials', async () => {
    expect((await http(`${t.url}/healthz`)).body).toEqual({ status: 'ok' });
    const ready = await http(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });

  test('/readyz is 503 while migrations are missing', async () => {
    await db.pool.query("update schema_migrations set name = name || '-hidden'");
    try {
      expect((await http(`${t.url}/readyz`)).status).toBe(503);
    } finally {
      await db.pool.query("update schema_migrations set name = replace(name, '-hidden', '')");
    }
    expect((await http(`${t.url}/readyz`)).status).toBe(200);
  });

  test('/metrics exposes request counts and latency by route template and status, and the pool', async () => {
    const tenant = await createTenant(t);
    await http(`${t.url}/scim/v2/${tenant.directoryId}/ServiceProviderConfig`, { key: tenant.token });
    await http(`${t.url}/scim/v2/${tenant.directoryId}/ServiceProviderConfig`, { key: 'rst_scim_wrong' });
    const res = await http(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(
      /roster_http_requests_total\{method="GET",route="\/scim\/v2\/:directoryId\/ServiceProviderConfig",status="200"\} 1/,
    );
    expect(res.text).toMatch(
      /roster_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/api\/v1\/organizations",status="201"\}/,
    );
    expect(res.text).toMatch(/roster_auth_failures_total\{surface="scim",reason="unknown"\} 1/);
    expect(res.text).toMatch(/roster_db_pool_max_connections 10/);
    expect(res.text).toMatch(/roster_db_pool_connections\{state="idle"\} \d+/);
    // Route templates only: no ids in labels.
    expect(res.text).not.toContain(tenant.directoryId);
  });
});

describe('request ids and headers', () => {
  test('every response carries a request id; a safe incoming one is kept', async () => {
    const generated = await http(`${t.url}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await http(`${t.url}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123');
    const unsafe = await http(`${t.url}/healthz`, { headers: { 'x-request-id': 'a b<script>' } });
    expect(unsafe.headers.get('x-request-id')).not.toContain(' ');
  });

  test('security headers are set and admin responses are not cached', async () => {
    const res = await http(`${t.url}/api/v1/organizations`, { key: t.adminKey });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('limits', () => {
  test('bodies over the limit are refused with 413 on both surfaces', async () => {
    const big = { name: 'x'.repeat(5000) };
    const admin = await http(`${t.url}/api/v1/organizations`, { method: 'POST', key: t.adminKey, body: big });
    expect(admin.status).toBe(413);
    expect(admin.body.error.code).toBe('payload_too_large');
    const tenant = await createTenant(t);
    const scim = await http(`${t.url}/scim/v2/${tenant.directoryId}/ServiceProviderConfig`, {
      method: 'POST',
      key: tenant.token,
      body: big,
      headers: { 'content-type': 'application/scim+json' },
    });
    expect(scim.status).toBe(413);
    expect(scim.body).toMatchObject({ status: '413' });
  });

  test('each credential has its own token bucket; an empty one answers 429 with Retry-After', async () => {
    const limited = await startTestApp(
      // Same bootstrap key: a different one would revoke the first app's key (see credentials.ts).
      {
        ROSTER_RATE_LIMIT_PER_SECOND: '1',
        ROSTER_RATE_LIMIT_BURST: '3',
        ROSTER_BOOTSTRAP_ADMIN_KEY: t.adminKey,
      },
      db,
    );
    try {
      const tenant = await createTenant(limited); // three admin requests: the platform key's bucket is now empty
      const admin = await http(`${limited.url}/api/v1/organizations`, { key: limited.adminKey });
      expect(admin.status).toBe(429);
      expect(admin.body.error.code).toBe('rate_limited');
      expect(Number(admin.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      const spc = `${limited.url}/scim/v2/${tenant.directoryId}/ServiceProviderConfig`;
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await http(spc, { key: tenant.token })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await http(spc, { key: tenant.token });
      expect(refused.body).toMatchObject({
        status: '429',
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      });
      expect(refused.headers.get('retry-after')).toBe('1');
    } finally {
      await limited.close();
    }
  });
});

describe('SCIM surface', () => {
  test('discovery resources are read-only (405) and errors are SCIM bodies', async () => {
    const tenant = await createTenant(t);
    const res = await http(`${t.url}/scim/v2/${tenant.directoryId}/ServiceProviderConfig`, {
      method: 'POST',
      key: tenant.token,
      body: {},
      headers: { 'content-type': 'application/scim+json; charset=utf-8' },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(res.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '405',
    });
  });

  test('ServiceProviderConfig has every field RFC 7643 §5 requires and an absolute location', async () => {
    const tenant = await createTenant(t);
    const res = await http(`${t.url}/scim/v2/${tenant.directoryId}/ServiceProviderConfig`, {
      key: tenant.token,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    for (const key of ['patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag']) {
      expect(typeof res.body[key].supported).toBe('boolean');
    }
    expect(Number.isInteger(res.body.bulk.maxOperations)).toBe(true);
    expect(Number.isInteger(res.body.bulk.maxPayloadSize)).toBe(true);
    expect(Number.isInteger(res.body.filter.maxResults)).toBe(true);
    expect(res.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
    expect(res.body.meta.location).toBe(`${t.url}/scim/v2/${tenant.directoryId}/ServiceProviderConfig`);
  });

  test('unknown SCIM paths answer a SCIM 404 once authenticated', async () => {
    const tenant = await createTenant(t);
    const res = await http(`${t.url}/scim/v2/${tenant.directoryId}/Nope`, { key: tenant.token });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: '404' });
    expect((await http(`${t.url}/scim/v2/${tenant.directoryId}/Nope`)).status).toBe(401);
  });
});

describe('logs', () => {
  test('one structured line per request; no secrets, bodies or query strings', async () => {
    const tenant = await createTenant(t);
    await http(
      `${t.url}/scim/v2/${tenant.directoryId}/ServiceProviderConfig?filter=userName%20eq%20%22bjensen%40example.com%22`,
      {
        key: tenant.token,
      },
    );
    await http(`${t.url}/api/v1/organizations`, {
      method: 'POST',
      key: t.adminKey,
      body: { name: 'Secret Corp' },
    });
    const all = logs.join('');
    expect(all).toContain('"route":"/scim/v2/:directoryId/ServiceProviderConfig"');
    for (const secret of [tenant.token, t.adminKey, 'bjensen', 'Secret Corp', 'Bearer']) {
      expect(all).not.toContain(secret);
    }
    const line = JSON.parse(logs.find((l) => l.includes('"route":"/api/v1/organizations"'))!);
    expect(line).toMatchObject({ method: 'POST', status: 201, reqId: expect.any(String) });
  });
});
