/**
 * Unfiltered lists answer `totalResults` from the directory's maintained user and group counts (migration 0011);
 * these tests hold the counts to what `count(*)` says after every kind of write that adds or removes resources.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { GROUP_SCHEMA, type ScimClient, scimClient, userBody } from './support/scim-client.js';
import { type TestApp, createTenant, startTestApp } from './support/test-app.js';

let t: TestApp;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t);
  scim = scimClient(t.url, tenant.directoryId, tenant.token);
});
afterAll(() => t.close());

/** The maintained total (no filter) and the counted one (`id pr` is a filter, so it counts rows). */
async function totals(type: 'Users' | 'Groups') {
  const maintained = (await scim.get(`/${type}?count=0`)).body.totalResults as number;
  const counted = (await scim.get(`/${type}?count=0&filter=id%20pr`)).body.totalResults as number;
  return { maintained, counted };
}

test('creates, concurrent creates, duplicates, bulk with failures and deletes keep the counts exact', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await scim.post('/Users', userBody(`count${i}@x`))).body.id);
  await Promise.all(Array.from({ length: 20 }, (_, i) => scim.post('/Users', userBody(`para${i}@x`))));
  expect((await scim.post('/Users', userBody('count0@x'))).status).toBe(409);
  const bulk = await scim.post('/Bulk', {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    failOnErrors: 2,
    Operations: [
      ...['b1', 'b2', 'count1', 'b3', 'count2', 'b4', 'b5'].map((n, i) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `u${i}`,
        data: userBody(`${n}@x`),
      })),
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'g',
        data: { schemas: [GROUP_SCHEMA], displayName: 'bulk group' },
      },
      { method: 'DELETE', path: `/Users/${ids[4]}` },
    ],
  });
  expect(bulk.status).toBe(200);
  for (const id of ids.slice(0, 2)) expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
  const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'counted' });
  await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'kept' });
  expect((await scim.delete(`/Groups/${group.body.id}`)).status).toBe(204);

  const users = await totals('Users');
  expect(users.maintained).toBe(users.counted);
  expect(users.counted).toBe(5 + 20 + 3 - 2); // b1, b2, b3 before the second error stopped the bulk
  const groups = await totals('Groups');
  expect(groups.maintained).toBe(groups.counted);
  expect(groups.counted).toBe(1);
  // Index paging reports the maintained total on every page.
  const page = await scim.get('/Users?startIndex=3&count=2');
  expect(page.body.totalResults).toBe(users.counted);
});
