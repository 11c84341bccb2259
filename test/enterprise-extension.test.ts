/**
 * The Enterprise User extension (RFC 7643 §4.3) in every operation (issue 6 §1): POST, PUT, PATCH with a path
 * and path-less with the URN as key, filters with the full URN prefix, sorting and projection, for each of its
 * attributes.
 */
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

const SCALARS = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'] as const;
const enterprise = (n: number, managerId?: string) => ({
  ...Object.fromEntries(SCALARS.map((a) => [a, `${a}-${n}`])),
  ...(managerId ? { manager: { value: managerId } } : {}),
});
const filterBy = async (expression: string, extra = '') => {
  const res = await scim.get(`/Users?filter=${encodeURIComponent(expression)}${extra}`);
  expect(res.status, res.text).toBe(200);
  return res.body.Resources as { id: string; userName: string }[];
};

describe('enterprise extension', () => {
  let boss: string;
  let worker: string;
  beforeAll(async () => {
    const b = await scim.post('/Users', {
      ...userBody('boss@ent'),
      displayName: 'The Boss',
      schemas: [USER_SCHEMA, ENTERPRISE],
      [ENTERPRISE]: enterprise(1),
    });
    expect(b.status, b.text).toBe(201);
    boss = b.body.id;
    const w = await scim.post('/Users', {
      ...userBody('worker@ent'),
      schemas: [USER_SCHEMA, ENTERPRISE],
      [ENTERPRISE]: enterprise(2, boss),
    });
    expect(w.status, w.text).toBe(201);
    worker = w.body.id;
  });

  test('POST stores every attribute; manager gets $ref, displayName is read-only and not taken from the client', async () => {
    const read = await scim.get(`/Users/${worker}`);
    expect(read.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    expect(read.body[ENTERPRISE]).toMatchObject(enterprise(2));
    expect(read.body[ENTERPRISE].manager.value).toBe(boss);
    expect(read.body[ENTERPRISE].manager.$ref).toBe(`${scim.base}/Users/${boss}`);
    const spoofed = await scim.post('/Users', {
      ...userBody('spoof@ent'),
      [ENTERPRISE]: { manager: { value: boss, displayName: 'Not The Boss' } },
    });
    expect(spoofed.body[ENTERPRISE].manager.displayName).not.toBe('Not The Boss');
    expect((await scim.delete(`/Users/${spoofed.body.id}`)).status).toBe(204);
  });

  test('filters with the full URN prefix, on every attribute and on manager.value', async () => {
    for (const a of SCALARS) {
      const found = await filterBy(`${ENTERPRISE}:${a} eq "${a.toUpperCase()}-2"`);
      expect(found.map((u) => u.id)).toEqual([worker]);
    }
    expect((await filterBy(`${ENTERPRISE}:manager.value eq "${boss}"`)).map((u) => u.id)).toEqual([worker]);
    expect((await filterBy(`${ENTERPRISE}:department sw "department-"`)).length).toBe(2);
    expect((await filterBy(`${ENTERPRISE}:manager pr`)).map((u) => u.id)).toEqual([worker]);
  });

  test('sortBy an enterprise attribute, both orders', async () => {
    const asc = await filterBy(
      `userName ew "@ent" and ${ENTERPRISE}:costCenter pr`,
      `&sortBy=${ENTERPRISE}:costCenter`,
    );
    expect(asc.map((u) => u.id)).toEqual([boss, worker]);
    const desc = await filterBy(
      `userName ew "@ent" and ${ENTERPRISE}:costCenter pr`,
      `&sortBy=${ENTERPRISE}:costCenter&sortOrder=descending`,
    );
    expect(desc.map((u) => u.id)).toEqual([worker, boss]);
  });

  test('attributes and excludedAttributes select enterprise attributes and sub-attributes', async () => {
    const some = await scim.get(
      `/Users/${worker}?attributes=${ENTERPRISE}:department,${ENTERPRISE}:manager.value`,
    );
    expect(some.body[ENTERPRISE]).toEqual({ department: 'department-2', manager: { value: boss } });
    expect(some.body.id).toBe(worker); // returned: always
    const without = await scim.get(`/Users/${worker}?excludedAttributes=${ENTERPRISE}:manager`);
    expect(without.body[ENTERPRISE].manager).toBeUndefined();
    expect(without.body[ENTERPRISE].division).toBe('division-2');
  });

  test('PATCH with a URN path on each attribute, and path-less with the URN as key', async () => {
    for (const a of SCALARS) {
      const res = await scim.patch(`/Users/${worker}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: `${ENTERPRISE}:${a}`, value: `${a}-patched` }],
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body[ENTERPRISE][a]).toBe(`${a}-patched`);
    }
    const pathless = await scim.patch(`/Users/${worker}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', value: { [ENTERPRISE]: { division: 'East', manager: { value: worker } } } },
      ],
    });
    expect(pathless.status).toBe(200);
    expect(pathless.body[ENTERPRISE]).toMatchObject({ division: 'East', department: 'department-patched' });
    expect(pathless.body[ENTERPRISE].manager.value).toBe(worker);
    const sub = await scim.patch(`/Users/${worker}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: `${ENTERPRISE}:manager.value`, value: boss }],
    });
    expect(sub.body[ENTERPRISE].manager.value).toBe(boss);
    const removed = await scim.patch(`/Users/${worker}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `${ENTERPRISE}:manager` }],
    });
    expect(removed.body[ENTERPRISE].manager).toBeUndefined();
  });

  test('PUT replaces the extension: attributes left out are cleared, and without it the URN leaves schemas', async () => {
    const put = await scim.put(`/Users/${worker}`, {
      ...userBody('worker@ent'),
      schemas: [USER_SCHEMA, ENTERPRISE],
      [ENTERPRISE]: { department: 'Only' },
    });
    expect(put.status).toBe(200);
    expect(put.body[ENTERPRISE]).toEqual({ department: 'Only' });
    const bare = await scim.put(`/Users/${worker}`, userBody('worker@ent'));
    expect(bare.body[ENTERPRISE]).toBeUndefined();
    expect(bare.body.schemas).toEqual([USER_SCHEMA]);
  });
});
