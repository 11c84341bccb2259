/**
 * Per-directory schema extensions (issue 6 §2-4) through the admin API and the SCIM surface on real PostgreSQL:
 * each directory serves and validates its own schemas, and their attributes filter, sort, patch, project and
 * stay unique like core ones.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { query, sql } from '../src/db/database.js';
import { compileFilter, compileSortKey } from '../src/db/filter-sql.js';
import { loadDirectoryModel } from '../src/directory/directory-model.js';
import { parseScimFilter } from '../src/scim/filter/parse.js';
import type { DirectoryId, OrganizationId } from '../src/shared/ids.js';
import { PATCH_OP, type ScimClient, USER_SCHEMA, scimClient, userBody } from './support/scim-client.js';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

let t: TestApp;
const api = (method: string, path: string, body?: unknown, key = t.adminKey) =>
  http(`${t.url}/api/v1${path}`, { method, key, ...(body === undefined ? {} : { body }) });

async function directoryIn(organizationId: string, provider = 'generic') {
  const dir = await api('POST', `/organizations/${organizationId}/directories`, { name: 'second', provider });
  const token = await api('POST', `/directories/${dir.body.id}/tokens`, {});
  return { directoryId: dir.body.id as string, scim: scimClient(t.url, dir.body.id, token.body.token) };
}

const acmeSchema = (attributes: unknown[], extra: Record<string, unknown> = {}) => ({
  id: ACME,
  name: 'AcmeUser',
  description: 'What Acme HR sends',
  resourceType: 'User',
  attributes,
  ...extra,
});

const ACME_ATTRIBUTES = [
  { name: 'costCenter', type: 'string' },
  { name: 'badge', type: 'string', uniqueness: 'server', caseExact: true },
  { name: 'level', type: 'integer' },
  { name: 'hiredAt', type: 'dateTime' },
  { name: 'remote', type: 'boolean' },
  { name: 'employeeCode', type: 'string', mutability: 'immutable' },
  { name: 'skills', type: 'string', multiValued: true },
  {
    name: 'site',
    type: 'complex',
    subAttributes: [
      { name: 'code', type: 'string' },
      { name: 'floor', type: 'integer' },
    ],
  },
  { name: 'internalNote', type: 'string', returned: 'request' },
];

let org: string;
let a: { directoryId: string; scim: ScimClient };
let b: { directoryId: string; scim: ScimClient };

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t);
  org = tenant.organizationId;
  a = { directoryId: tenant.directoryId, scim: scimClient(t.url, tenant.directoryId, tenant.token) };
  b = await directoryIn(org);
  const created = await api(
    'POST',
    `/directories/${a.directoryId}/schemas`,
    acmeSchema(ACME_ATTRIBUTES, { indexed: ['costCenter', 'site.code'] }),
  );
  expect(created.status, created.text).toBe(201);
  // Directory B: the same URN, a different shape.
  const other = await api(
    'POST',
    `/directories/${b.directoryId}/schemas`,
    acmeSchema([{ name: 'region', type: 'string', required: true }]),
  );
  expect(other.status, other.text).toBe(201);
});
afterAll(() => t.close());

const acmeUser = (userName: string, acme: Record<string, unknown>) => ({
  ...userBody(userName),
  schemas: [USER_SCHEMA, ACME],
  [ACME]: acme,
});

describe('admin API', () => {
  test('a schema document is stored with every characteristic spelled out', async () => {
    const res = await api('GET', `/directories/${a.directoryId}/schemas/${ACME}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ACME, resourceType: 'User', required: false, version: 1 });
    expect(res.body.indexed).toEqual(['costCenter', 'site.code']);
    expect(res.body.attributes[0]).toEqual({
      name: 'costCenter',
      type: 'string',
      multiValued: false,
      description: '',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    });
    const list = await api('GET', `/directories/${a.directoryId}/schemas`);
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([ACME]);
  });

  test('invalid documents are 400 and name every problem; nothing is stored', async () => {
    const dir = await directoryIn(org);
    const bad = await api('POST', `/directories/${dir.directoryId}/schemas`, {
      id: 'urn:ietf:params:scim:schemas:core:2.0:User',
      attributes: [
        { name: '1st', type: 'string' },
        { name: 'box', type: 'complex' },
        { name: 'ids', type: 'string', multiValued: true, uniqueness: 'server' },
        { name: 'everywhere', uniqueness: 'global' },
        { name: 'same' },
        { name: 'SAME' },
      ],
      indexed: ['nothing'],
    });
    expect(bad.status).toBe(400);
    for (const fragment of [
      'cannot be redefined',
      '"1st"',
      '"box"',
      '"ids"',
      '"everywhere"',
      'defined twice',
      'indexed "nothing"',
    ]) {
      expect(bad.body.error.message).toContain(fragment);
    }
    const shape = await api('POST', `/directories/${dir.directoryId}/schemas`, {
      id: ACME,
      attributes: [{ name: 'x', type: 'text' }],
    });
    expect(shape.status).toBe(400);
    expect((await api('GET', `/directories/${dir.directoryId}/schemas`)).body.data).toEqual([]);
  });

  test('the same URN twice in one directory is 409', async () => {
    const again = await api('POST', `/directories/${a.directoryId}/schemas`, acmeSchema([{ name: 'x' }]));
    expect(again.status).toBe(409);
  });

  test("another organization's admin key sees none of it (404)", async () => {
    const other = await createTenant(t);
    const key = await api('POST', '/admin-keys', {
      organizationId: other.organizationId,
      scopes: ['admin:read', 'admin:write'],
    });
    expect(key.status, key.text).toBe(201);
    for (const [method, path, body] of [
      ['GET', `/directories/${a.directoryId}/schemas`],
      ['GET', `/directories/${a.directoryId}/schemas/${ACME}`],
      ['POST', `/directories/${a.directoryId}/schemas`, acmeSchema([{ name: 'x' }], { id: `${ACME}2` })],
      ['DELETE', `/directories/${a.directoryId}/schemas/${ACME}`],
    ] as const) {
      expect((await api(method, path, body, key.body.key)).status).toBe(404);
    }
  });
});

describe('discovery is per directory', () => {
  test("each directory's /Schemas and /ResourceTypes show its own extension; a third shows none", async () => {
    const schemaOf = async (scim: ScimClient) => (await scim.get(`/Schemas/${ACME}`)).body;
    expect((await schemaOf(a.scim)).attributes.map((x: { name: string }) => x.name)).toContain('costCenter');
    expect((await schemaOf(b.scim)).attributes.map((x: { name: string }) => x.name)).toEqual(['region']);
    const userType = async (scim: ScimClient) =>
      (await scim.get('/ResourceTypes/User')).body.schemaExtensions;
    expect(await userType(a.scim)).toContainEqual({ schema: ACME, required: false });
    expect(await userType(b.scim)).toContainEqual({ schema: ACME, required: false });
    const third = await directoryIn(org);
    expect((await third.scim.get(`/Schemas/${ACME}`)).status).toBe(404);
    const ids = (await third.scim.get('/Schemas')).body.Resources.map((s: { id: string }) => s.id);
    expect(ids).not.toContain(ACME);
    expect(await userType(third.scim)).toEqual([
      { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
    ]);
  });

  test('same URN, different extensions: each directory validates and keeps only its own data', async () => {
    const inA = await a.scim.post('/Users', acmeUser('same.urn@a', { costCenter: 'CC-1' }));
    expect(inA.status, inA.text).toBe(201);
    // B's schema has no costCenter and requires region: A's payload is not valid in B.
    const inB = await b.scim.post('/Users', acmeUser('same.urn@b', { costCenter: 'CC-1' }));
    expect(inB.status).toBe(400);
    expect(inB.body.detail).toContain('costCenter');
    const okB = await b.scim.post('/Users', acmeUser('same.urn@b', { region: 'EMEA' }));
    expect(okB.status).toBe(201);
    expect(
      (await b.scim.get(`/Users?filter=${encodeURIComponent(`${ACME}:costCenter eq "CC-1"`)}`)).status,
    ).toBe(400);
    const found = await a.scim.get(`/Users?filter=${encodeURIComponent(`${ACME}:costCenter eq "cc-1"`)}`);
    expect(found.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['same.urn@a']);
  });
});

describe('extension attributes behave like core ones', () => {
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    const people = [
      [
        'ada',
        {
          costCenter: 'R&D-10',
          badge: 'B-1',
          level: 3,
          hiredAt: '2020-01-15T09:00:00Z',
          remote: true,
          skills: ['math', 'engines'],
          site: { code: 'LDN', floor: 2 },
        },
      ],
      [
        'grace',
        {
          costCenter: 'rnd-20',
          badge: 'B-2',
          level: 7,
          hiredAt: '2018-06-01T09:00:00Z',
          remote: false,
          skills: ['cobol'],
          site: { code: 'NYC', floor: 9 },
        },
      ],
      [
        'linus',
        {
          costCenter: 'OPS-1',
          badge: 'b-3',
          level: 5,
          hiredAt: '2022-03-01T09:00:00Z',
          site: { code: 'HEL', floor: 1 },
        },
      ],
      ['nobody', {}],
    ] as const;
    for (const [name, acme] of people) {
      const res = await a.scim.post('/Users', acmeUser(`${name}@ext`, acme));
      expect(res.status, res.text).toBe(201);
      ids[name] = res.body.id;
    }
  });
  const names = async (filter: string, extra = '') => {
    const res = await a.scim.get(
      `/Users?filter=${encodeURIComponent(`(${filter}) and userName ew "@ext"`)}${extra}`,
    );
    expect(res.status, res.text).toBe(200);
    return res.body.Resources.map((u: { userName: string }) => u.userName.replace('@ext', ''));
  };

  test('every filter operator works on extension attributes, with the full URN or unqualified', async () => {
    expect(await names(`${ACME}:costCenter eq "r&d-10"`)).toEqual(['ada']);
    expect((await names(`${ACME}:costCenter ne "R&D-10"`)).sort()).toEqual(['grace', 'linus', 'nobody']);
    expect(await names(`${ACME}:costCenter co "ND-"`)).toEqual(['grace']);
    expect((await names(`${ACME}:costCenter sw "r"`)).sort()).toEqual(['ada', 'grace']);
    expect(await names(`${ACME}:costCenter ew "-1"`)).toEqual(['linus']);
    expect((await names(`${ACME}:costCenter pr`)).sort()).toEqual(['ada', 'grace', 'linus']);
    expect(await names(`${ACME}:badge eq "b-1"`)).toEqual([]); // caseExact
    expect((await names(`${ACME}:level gt 3`)).sort()).toEqual(['grace', 'linus']);
    expect((await names(`${ACME}:level le 5`)).sort()).toEqual(['ada', 'linus']);
    expect(await names(`${ACME}:hiredAt lt "2019-01-01T00:00:00Z"`)).toEqual(['grace']);
    expect(await names(`${ACME}:remote eq false`)).toEqual(['grace']);
    expect(await names(`${ACME}:skills eq "cobol"`)).toEqual(['grace']);
    expect(await names(`${ACME}:site.code eq "hel"`)).toEqual(['linus']);
    expect(await names(`${ACME}:site.floor ge 9 or not (${ACME}:level pr)`)).toEqual(['grace', 'nobody']);
    expect(await names('level eq 7')).toEqual(['grace']); // unqualified: only this extension defines it
    const bad = await a.scim.get(`/Users?filter=${encodeURIComponent(`${ACME}:level co "1"`)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidFilter');
  });

  test('sortBy works on an extension attribute and a complex sub-attribute, both orders, ties by id', async () => {
    expect(await names(`${ACME}:level pr`, `&sortBy=${ACME}:level`)).toEqual(['ada', 'linus', 'grace']);
    expect(await names(`${ACME}:level pr`, `&sortBy=${ACME}:site.code&sortOrder=descending`)).toEqual([
      'grace',
      'ada',
      'linus',
    ]);
    expect((await names('userName pr', `&sortBy=${ACME}:costCenter`)).at(-1)).toBe('nobody');
  });

  test('types are validated on every write: 400 invalidValue names the attribute', async () => {
    const post = await a.scim.post('/Users', acmeUser('typed@ext2', { level: 'high' }));
    expect(post.status).toBe(400);
    expect(post.body).toMatchObject({ scimType: 'invalidValue' });
    expect(post.body.detail).toContain('level');
    const patch = await a.scim.patch(`/Users/${ids.ada}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: `${ACME}:hiredAt`, value: 'yesterday' }],
    });
    expect(patch.status).toBe(400);
    expect(patch.body.detail).toContain('hiredAt');
  });

  test('PATCH by extension path, and path-less with the URN as key', async () => {
    const byPath = await a.scim.patch(`/Users/${ids.linus}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: `${ACME}:site.floor`, value: 4 },
        { op: 'add', path: `${ACME}:skills`, value: ['kernels'] },
      ],
    });
    expect(byPath.status, byPath.text).toBe(200);
    expect(byPath.body[ACME]).toMatchObject({ site: { code: 'HEL', floor: 4 }, skills: ['kernels'] });
    const pathless = await a.scim.patch(`/Users/${ids.linus}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { [ACME]: { costCenter: 'OPS-2' } } }],
    });
    expect(pathless.status).toBe(200);
    expect(pathless.body[ACME]).toMatchObject({ costCenter: 'OPS-2', site: { floor: 4 } });
    const removed = await a.scim.patch(`/Users/${ids.linus}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `${ACME}:skills` }],
    });
    expect(removed.body[ACME].skills).toBeUndefined();
  });

  test('mutability: immutable can be set once, then not changed by PUT or PATCH', async () => {
    const created = await a.scim.post('/Users', acmeUser('immutable@ext2', { employeeCode: 'E1' }));
    expect(created.status).toBe(201);
    const put = await a.scim.put(
      `/Users/${created.body.id}`,
      acmeUser('immutable@ext2', { employeeCode: 'E2' }),
    );
    expect(put.status).toBe(400);
    expect(put.body.scimType).toBe('mutability');
    const same = await a.scim.put(
      `/Users/${created.body.id}`,
      acmeUser('immutable@ext2', { employeeCode: 'E1' }),
    );
    expect(same.status).toBe(200);
  });

  test('attributes and excludedAttributes project extension attributes; returned "request" only when asked', async () => {
    const full = await a.scim.get(`/Users/${ids.grace}`);
    expect(full.body[ACME].internalNote).toBeUndefined();
    await a.scim.patch(`/Users/${ids.grace}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: `${ACME}:internalNote`, value: 'vip' }],
    });
    expect((await a.scim.get(`/Users/${ids.grace}`)).body[ACME].internalNote).toBeUndefined();
    const asked = await a.scim.get(`/Users/${ids.grace}?attributes=${ACME}:internalNote,${ACME}:costCenter`);
    expect(asked.body[ACME]).toEqual({ internalNote: 'vip', costCenter: 'rnd-20' });
    expect(asked.body.userName).toBeUndefined();
    const excluded = await a.scim.get(`/Users/${ids.grace}?excludedAttributes=${ACME}:site`);
    expect(excluded.body[ACME].site).toBeUndefined();
    expect(excluded.body[ACME].costCenter).toBe('rnd-20');
  });

  test('uniqueness "server" holds within the directory (409), on create and on PATCH, not across directories', async () => {
    const dup = await a.scim.post('/Users', acmeUser('dup@ext2', { badge: 'B-1' }));
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe('uniqueness');
    expect(dup.body.detail).toContain('uniqueness "server"');
    const otherCase = await a.scim.post('/Users', acmeUser('case@ext2', { badge: 'b-1' }));
    expect(otherCase.status).toBe(201); // caseExact: "b-1" is another value
    const patch = await a.scim.patch(`/Users/${otherCase.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: `${ACME}:badge`, value: 'B-2' }],
    });
    expect(patch.status).toBe(409);
    const c = await directoryIn(org);
    expect(
      (await api('POST', `/directories/${c.directoryId}/schemas`, acmeSchema(ACME_ATTRIBUTES))).status,
    ).toBe(201);
    expect((await c.scim.post('/Users', acmeUser('dup@ext3', { badge: 'B-1' }))).status).toBe(201);
  });

  test('a strict directory refuses attributes its extension does not define; a lenient one keeps them', async () => {
    const strict = await a.scim.post('/Users', acmeUser('unknown@ext2', { shoeSize: 44 }));
    expect(strict.status).toBe(400);
    expect(strict.body.detail).toContain('shoeSize');
    const okta = await directoryIn(org, 'okta');
    await api('POST', `/directories/${okta.directoryId}/schemas`, acmeSchema([{ name: 'costCenter' }]));
    const lenient = await okta.scim.post(
      '/Users',
      acmeUser('unknown@okta', { costCenter: 'X', shoeSize: 44 }),
    );
    expect(lenient.status).toBe(201);
    expect(lenient.body[ACME]).toEqual({ costCenter: 'X', shoeSize: 44 });
  });
});

describe('indexes', () => {
  test('filters and sorts on indexed attributes compile to expressions the directory index serves', async () => {
    const scope = {
      organizationId: org as OrganizationId,
      directoryId: a.directoryId as DirectoryId,
    };
    const model = await loadDirectoryModel(t.db.pool, scope);
    const indexes = await query<{ indexdef: string }>(
      t.db.pool,
      sql`select indexdef from pg_indexes where indexname like 'scim_x_%' and indexdef like ${`%${a.directoryId}%`}`,
    );
    // costCenter and site.code (indexed), badge (unique).
    expect(indexes).toHaveLength(3);
    expect(indexes.filter((i) => i.indexdef.startsWith('CREATE UNIQUE'))).toHaveLength(1);
    const plan = async (where: string, orderBy?: string) => {
      const filter = compileFilter(parseScimFilter(where), model.users);
      const order = orderBy ? sql`order by ${compileSortKey(orderBy, model.users)}, r.id` : sql``;
      const client = await t.db.pool.connect();
      try {
        await client.query('begin');
        await client.query('set local enable_seqscan = off');
        const q = sql`explain select r.id from scim_users r
            where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
              and ${filter} ${order} limit 10`;
        const rows = await client.query<{ 'QUERY PLAN': string }>({ text: q.text, values: q.values });
        return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await client.query('rollback');
        client.release();
      }
    };
    expect(await plan(`${ACME}:costCenter eq "OPS-1"`)).toMatch(/Index (Only )?Scan using scim_x_/);
    expect(await plan(`${ACME}:site.code eq "LDN"`)).toMatch(/Index (Only )?Scan using scim_x_/);
    expect(await plan(`${ACME}:badge eq "B-1"`)).toMatch(/Index (Only )?Scan using scim_x_/);
    expect(await plan(`${ACME}:costCenter pr`, `${ACME}:costCenter`)).toMatch(
      /Index (Only )?Scan using scim_x_/,
    );
  });

  test('uniqueness cannot be added over values that are already duplicated (409); nothing changes', async () => {
    const d = await directoryIn(org);
    await api('POST', `/directories/${d.directoryId}/schemas`, acmeSchema([{ name: 'seat' }]));
    for (const n of ['one', 'two'])
      expect((await d.scim.post('/Users', acmeUser(`${n}@seat`, { seat: '12A' }))).status).toBe(201);
    const res = await api(
      'PUT',
      `/directories/${d.directoryId}/schemas/${ACME}`,
      acmeSchema([{ name: 'seat', uniqueness: 'server' }]),
    );
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('uniqueness can only change to none');
  });
});

describe('changing and deleting a schema', () => {
  test('compatible changes apply at once; incompatible ones are 409 and list why', async () => {
    const d = await directoryIn(org);
    const url = `/directories/${d.directoryId}/schemas/${ACME}`;
    await api(
      'POST',
      `/directories/${d.directoryId}/schemas`,
      acmeSchema([{ name: 'code', required: true }]),
    );
    expect((await d.scim.post('/Users', acmeUser('first@chg', { code: 'A' }))).status).toBe(201);
    const added = await api(
      'PUT',
      url,
      acmeSchema([{ name: 'code' }, { name: 'tier', type: 'integer' }], { indexed: ['tier'] }),
    );
    expect(added.status, added.text).toBe(200);
    expect(added.body.version).toBe(2);
    // Served immediately on the SCIM side: `code` is no longer required and `tier` exists.
    const second = await d.scim.post('/Users', acmeUser('second@chg', { tier: 2 }));
    expect(second.status, second.text).toBe(201);
    const tier = await d.scim.get(`/Users?filter=${encodeURIComponent(`${ACME}:tier eq 2`)}`);
    expect(tier.body.totalResults).toBe(1);
    const incompatible = await api(
      'PUT',
      url,
      acmeSchema([
        { name: 'tier', type: 'string' },
        { name: 'new', required: true },
      ]),
    );
    expect(incompatible.status).toBe(409);
    for (const why of [
      '"code" cannot be removed',
      '"tier": type cannot change',
      '"new": a new attribute cannot be required',
    ])
      expect(incompatible.body.error.message).toContain(why);
    expect((await api('GET', url)).body.version).toBe(2);
  });

  test('deleting a schema whose values are stored is 409 unless forced; forced removes the values', async () => {
    const d = await directoryIn(org);
    const url = `/directories/${d.directoryId}/schemas/${ACME}`;
    await api(
      'POST',
      `/directories/${d.directoryId}/schemas`,
      acmeSchema([{ name: 'code' }], { indexed: ['code'] }),
    );
    const user = await d.scim.post('/Users', acmeUser('carrier@del', { code: 'A' }));
    expect((await api('DELETE', url)).status).toBe(409);
    expect((await api('DELETE', `${url}?force=true`)).status).toBe(204);
    const read = await d.scim.get(`/Users/${user.body.id}`);
    expect(read.body[ACME]).toBeUndefined();
    expect(read.body.schemas).toEqual([USER_SCHEMA]);
    expect(read.body.meta.version).not.toBe(user.body.meta.version);
    expect((await d.scim.get(`/Schemas/${ACME}`)).status).toBe(404);
    const left = await query(
      t.db.pool,
      sql`select 1 from pg_indexes where indexname like 'scim_x_%' and indexdef like ${`%${d.directoryId}%`}`,
    );
    expect(left).toHaveLength(0);
    expect((await api('GET', url)).status).toBe(404);
  });

  test('a required extension: refused while stored users lack it; then enforced on every create', async () => {
    const d = await directoryIn(org);
    expect((await d.scim.post('/Users', userBody('early@req'))).status).toBe(201);
    const refused = await api(
      'POST',
      `/directories/${d.directoryId}/schemas`,
      acmeSchema([{ name: 'code' }], { required: true }),
    );
    expect(refused.status).toBe(409);
    const e = await directoryIn(org);
    expect(
      (
        await api(
          'POST',
          `/directories/${e.directoryId}/schemas`,
          acmeSchema([{ name: 'code' }], { required: true }),
        )
      ).status,
    ).toBe(201);
    const without = await e.scim.post('/Users', userBody('plain@req'));
    expect(without.status).toBe(400);
    expect(without.body.detail).toContain(ACME);
    expect((await e.scim.post('/Users', acmeUser('carrier@req', { code: 'X' }))).status).toBe(201);
  });
});

describe('several nodes', () => {
  test('a schema added through one node is served by another within moments', async () => {
    const nodeB = await startTestApp({ ROSTER_BOOTSTRAP_ADMIN_KEY: t.adminKey }, t.db);
    try {
      const tenant = await createTenant(t);
      const onB = scimClient(nodeB.url, tenant.directoryId, tenant.token);
      // Node B caches the token's principal (and the directory's model) with the first requests.
      for (let i = 0; i < 3; i++) expect((await onB.get(`/Schemas/${ACME}`)).status).toBe(404);
      const added = await api(
        'POST',
        `/directories/${tenant.directoryId}/schemas`,
        acmeSchema([{ name: 'seen' }]),
      );
      expect(added.status).toBe(201);
      const started = Date.now();
      while ((await onB.get(`/Schemas/${ACME}`)).status !== 200) {
        if (Date.now() - started > 3_000) throw new Error('node B never served the new schema');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect((await onB.post('/Users', acmeUser('seen@b', { seen: 'yes' }))).status).toBe(201);
    } finally {
      await nodeB.close();
    }
  });
});

describe('with attribute mapping', () => {
  test('custom attributes map into customAttributes, and a mapped schema cannot be deleted', async () => {
    const d = await directoryIn(org);
    await api(
      'POST',
      `/directories/${d.directoryId}/schemas`,
      acmeSchema([{ name: 'code' }, { name: 'site', type: 'complex', subAttributes: [{ name: 'city' }] }]),
    );
    const mapping = await api('PUT', `/directories/${d.directoryId}/attribute-mapping`, {
      mappings: [
        { name: 'code', path: `${ACME}:code` },
        { name: 'city', path: `${ACME}:site.city` },
      ],
    });
    expect(mapping.status, mapping.text).toBe(200);
    const user = await d.scim.post('/Users', acmeUser('mapped@ext', { code: 'K-9', site: { city: 'Oslo' } }));
    const read = await api('GET', `/directories/${d.directoryId}/users/${user.body.id}`);
    expect(read.body.customAttributes).toEqual({ code: 'K-9', city: 'Oslo' });
    const refused = await api('DELETE', `/directories/${d.directoryId}/schemas/${ACME}?force=true`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('code, city');
    await api('PUT', `/directories/${d.directoryId}/attribute-mapping`, { mappings: [] });
    expect((await api('DELETE', `/directories/${d.directoryId}/schemas/${ACME}?force=true`)).status).toBe(
      204,
    );
  });
});

describe('group extensions', () => {
  test('a Group extension validates, filters and sorts on /Groups and leaves Users alone', async () => {
    const d = await directoryIn(org);
    const GROUP_EXT = 'urn:example:params:scim:schemas:extension:acme:2.0:Group';
    const added = await api('POST', `/directories/${d.directoryId}/schemas`, {
      id: GROUP_EXT,
      resourceType: 'Group',
      attributes: [
        { name: 'kind', canonicalValues: ['team', 'role'] },
        { name: 'rank', type: 'integer' },
      ],
      indexed: ['kind'],
    });
    expect(added.status, added.text).toBe(201);
    expect((await d.scim.get('/ResourceTypes/Group')).body.schemaExtensions).toEqual([
      { schema: GROUP_EXT, required: false },
    ]);
    const group = (name: string, ext: Record<string, unknown>) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', GROUP_EXT],
      displayName: name,
      [GROUP_EXT]: ext,
    });
    expect((await d.scim.post('/Groups', group('admins', { kind: 'role', rank: 1 }))).status).toBe(201);
    expect((await d.scim.post('/Groups', group('eng', { kind: 'team', rank: 2 }))).status).toBe(201);
    expect((await d.scim.post('/Groups', group('bad', { rank: 'high' }))).status).toBe(400);
    const teams = await d.scim.get(`/Groups?filter=${encodeURIComponent(`${GROUP_EXT}:kind eq "TEAM"`)}`);
    expect(teams.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['eng']);
    const sorted = await d.scim.get(`/Groups?sortBy=${GROUP_EXT}:rank&sortOrder=descending`);
    expect(sorted.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([
      'eng',
      'admins',
    ]);
    // Users do not have it: naming it in a user filter is an unknown attribute.
    expect(
      (await d.scim.get(`/Users?filter=${encodeURIComponent(`${GROUP_EXT}:kind eq "team"`)}`)).status,
    ).toBe(400);
  });
});
