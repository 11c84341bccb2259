/**
 * Concurrent reads by id and by userName share one query per directory (`LookupBatcher`): every request must
 * still get exactly its own answer, per directory, case-insensitively as SQL compares, and after its own writes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PATCH_OP, type ScimClient, scimClient, userBody } from './support/scim-client.js';
import { type TestApp, createTenant, startTestApp } from './support/test-app.js';

let t: TestApp;
let a: ScimClient;
let b: ScimClient;
beforeAll(async () => {
  t = await startTestApp();
  const ta = await createTenant(t);
  const tb = await createTenant(t);
  a = scimClient(t.url, ta.directoryId, ta.token);
  b = scimClient(t.url, tb.directoryId, tb.token);
});
afterAll(() => t.close());

const eq = (userName: string) => `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`;

test('concurrent GETs by id, known, repeated and unknown, each get their own user or 404', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await a.post('/Users', userBody(`batch${i}@x`))).body.id);
  const asked = [
    ...ids,
    ...ids,
    ...ids.map((id) => id.toUpperCase()),
    ...Array.from({ length: 5 }, () => randomUUID()),
  ];
  const answers = await Promise.all(asked.map((id) => a.get(`/Users/${id}`)));
  answers.forEach((res, i) => {
    const id = asked[i]!.toLowerCase();
    if (ids.includes(id)) {
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(id);
      expect(res.body.userName).toBe(`batch${ids.indexOf(id)}@x`);
    } else expect(res.status).toBe(404);
  });
});

test('concurrent userName eq lookups: any case, non-ASCII, unknown, and two directories with the same name', async () => {
  const names = ['Åsa.Öberg@x', 'IGOR@x', 'zoë@x'];
  const inA = new Map<string, string>();
  for (const n of names) inA.set(n, (await a.post('/Users', userBody(n))).body.id);
  const inB = (await b.post('/Users', userBody('IGOR@x'))).body.id as string;
  const asked = [
    ...names.map((n) => [a, n.toUpperCase(), inA.get(n)] as const),
    ...names.map((n) => [a, n.toLowerCase(), inA.get(n)] as const),
    ...names.map((n) => [a, n, inA.get(n)] as const),
    [b, 'igor@x', inB] as const,
    [b, 'Åsa.Öberg@x', undefined] as const,
    [a, 'nobody@x', undefined] as const,
  ];
  const answers = await Promise.all(asked.map(([client, n]) => client.get(eq(n))));
  answers.forEach((res, i) => {
    const expected = asked[i]![2];
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(expected ? 1 : 0);
    expect(res.body.Resources.map((u: { id: string }) => u.id)).toEqual(expected ? [expected] : []);
  });
});

test('a read after a write, under concurrent reads of the same user, sees the write', async () => {
  const id = (await a.post('/Users', userBody('fresh@x'))).body.id as string;
  for (let round = 0; round < 5; round++) {
    const patched = await a.patch(`/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'displayName', value: `round ${round}` }],
    });
    expect(patched.status).toBe(200);
    const reads = await Promise.all([
      ...Array.from({ length: 8 }, () => a.get(`/Users/${id}`)),
      ...Array.from({ length: 8 }, () => a.get(eq('FRESH@x'))),
    ]);
    for (const r of reads.slice(0, 8)) expect(r.body.displayName).toBe(`round ${round}`);
    for (const r of reads.slice(8)) expect(r.body.Resources[0].displayName).toBe(`round ${round}`);
  }
});
