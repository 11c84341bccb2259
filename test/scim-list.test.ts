/** Filtering, sorting and paging of SCIM lists (RFC 7644 §3.4.2, RFC 9865) through HTTP on real PostgreSQL. */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ENTERPRISE,
  GROUP_SCHEMA,
  PATCH_OP,
  type ScimClient,
  USER_SCHEMA,
  scimClient,
  userBody,
} from './support/scim-client.js';
import { query, raw, sql } from '../src/db/database.js';
import { GROUP_TABLE, type ResourceTable, USER_TABLE, compileFilter } from '../src/db/filter-sql.js';
import { planList } from '../src/directory/resource-list.js';
import { PAGING } from '../src/http/scim/resource-routes.js';
import { parseListQuery } from '../src/scim/list-response.js';
import { parseScimFilter } from '../src/scim/filter/parse.js';
import { type TestApp, createTenant, startTestApp } from './support/test-app.js';

let t: TestApp;
let scim: ScimClient;
const people = [
  {
    userName: 'bjensen@example.com',
    given: 'Barbara',
    family: "O'Malley",
    title: 'Tour Guide',
    dept: 'Tours',
    active: true,
    externalId: 'BJ-1',
  },
  {
    userName: 'jsmith@example.com',
    given: 'John',
    family: 'Smith',
    title: 'Manager',
    dept: 'Sales',
    active: false,
    externalId: 'js-2',
  },
  {
    userName: 'adoe@example.org',
    given: 'Anna',
    family: 'Doe',
    title: 'Engineer',
    dept: 'Tours',
    active: true,
    externalId: 'ad-3',
  },
  {
    userName: 'zz.top@example.org',
    given: 'Zed',
    family: 'Top',
    title: null,
    dept: null,
    active: true,
    externalId: null,
  },
];
const ids = new Map<string, string>();

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t);
  scim = scimClient(t.url, tenant.directoryId, tenant.token);
  for (const p of people) {
    const res = await scim.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: p.userName,
      name: { givenName: p.given, familyName: p.family },
      emails: [
        { value: p.userName, type: 'work', primary: true },
        { value: `home-${p.userName}`, type: 'home' },
      ],
      active: p.active,
      ...(p.title ? { title: p.title } : {}),
      ...(p.externalId ? { externalId: p.externalId } : {}),
      ...(p.dept ? { [ENTERPRISE]: { department: p.dept } } : {}),
    });
    expect(res.status).toBe(201);
    ids.set(p.userName, res.body.id);
  }
  // A user in another directory never shows up here.
  const other = await createTenant(t);
  await scimClient(t.url, other.directoryId, other.token).post('/Users', {
    schemas: [USER_SCHEMA],
    userName: 'bjensen@example.com',
  });
});
afterAll(() => t.close());

const names = async (query: string): Promise<string[]> => {
  const res = await scim.get(`/Users?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body.Resources.map((r: { userName: string }) => r.userName);
};
const filter = (f: string, extra = '') => names(`filter=${encodeURIComponent(f)}&sortBy=userName${extra}`);

describe('filters', () => {
  test.each([
    ['userName eq "bjensen@example.com"', ['bjensen@example.com']],
    ['username Eq "BJENSEN@example.com"', ['bjensen@example.com']],
    ['externalId eq "BJ-1"', ['bjensen@example.com']],
    ['externalId eq "bj-1"', []],
    ['userName sw "j"', ['jsmith@example.com']],
    ['userName ew ".org"', ['adoe@example.org', 'zz.top@example.org']],
    ['userName co "top"', ['zz.top@example.org']],
    ['name.familyName co "O\'Malley"', ['bjensen@example.com']],
    ['title pr', ['adoe@example.org', 'bjensen@example.com', 'jsmith@example.com']],
    ['not (title pr)', ['zz.top@example.org']],
    ['title ne "Manager"', ['adoe@example.org', 'bjensen@example.com', 'zz.top@example.org']],
    ['active eq false', ['jsmith@example.com']],
    ['emails eq "adoe@example.org"', ['adoe@example.org']],
    ['emails.value co "home-z"', ['zz.top@example.org']],
    ['emails[type eq "work" and value co "@example.com"]', ['bjensen@example.com', 'jsmith@example.com']],
    ['emails[type eq "home"].value eq "home-adoe@example.org"', ['adoe@example.org']],
    ['emails[type eq "work"].value eq "home-adoe@example.org"', []],
    [`${ENTERPRISE}:department eq "Tours"`, ['adoe@example.org', 'bjensen@example.com']],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "adoe@example.org"', ['adoe@example.org']],
    [
      'title eq "Tour Guide" or (active eq false and name.givenName sw "Jo")',
      ['bjensen@example.com', 'jsmith@example.com'],
    ],
    [
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      ['adoe@example.org', 'bjensen@example.com', 'jsmith@example.com', 'zz.top@example.org'],
    ],
    ['userName eq "nobody@example.com"', []],
  ])('%s', async (f, expected) => {
    expect(await filter(f)).toEqual(expected);
  });

  test('id eq and manager eq together, with attributes=id (Entra)', async () => {
    const id = ids.get('adoe@example.org')!;
    const res = await scim.get(`/Users?filter=${encodeURIComponent(`id eq "${id}"`)}&attributes=id`);
    expect(res.body.Resources).toEqual([{ schemas: [USER_SCHEMA, ENTERPRISE], id }]);
  });

  test('"+" in the query string is a space (Entra)', async () => {
    const res = await scim.get('/Users?filter=externalId+eq+%22BJ-1%22');
    expect(res.body.totalResults).toBe(1);
  });

  test.each([
    ['userName eq', 'position'],
    ['userName xx "a"', 'unknown operator'],
    ['nosuchattr eq "a"', 'nosuchattr'],
    ['((((((((((((userName pr))))))))))))', 'deeper'],
  ])('invalid filter %s is 400 invalidFilter', async (f, detail) => {
    const res = await scim.get(`/Users?filter=${encodeURIComponent(f)}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidFilter');
    expect(res.body.detail).toContain(detail);
  });

  test('groups filter by displayName case-insensitively, and by externalId', async () => {
    await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'CN=Admins,OU=Groups',
      externalId: 'g-1',
    });
    const res = await scim.get(
      `/Groups?filter=${encodeURIComponent('displayName eq "cn=admins,ou=groups"')}&excludedAttributes=members`,
    );
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].displayName).toBe('CN=Admins,OU=Groups');
    const byExternal = await scim.get(`/Groups?filter=${encodeURIComponent('externalId eq "g-1"')}`);
    expect(byExternal.body.totalResults).toBe(1);
  });
});

describe('sorting', () => {
  test('by userName ascending and descending', async () => {
    const asc = await names('sortBy=userName');
    expect(asc).toEqual([...asc].sort());
    expect(await names('sortBy=userName&sortOrder=descending')).toEqual([...asc].reverse());
  });

  test('by a sub-attribute, an extension attribute and a multi-valued attribute (primary value)', async () => {
    expect(await names('sortBy=name.givenName')).toEqual([
      'adoe@example.org',
      'bjensen@example.com',
      'jsmith@example.com',
      'zz.top@example.org',
    ]);
    const byDept = await names(`sortBy=${encodeURIComponent(`${ENTERPRISE}:department`)}`);
    expect(byDept.slice(0, 1)).toEqual(['jsmith@example.com']);
    expect(byDept.at(-1)).toBe('zz.top@example.org');
    expect(await names('sortBy=emails&sortOrder=descending')).toEqual([
      'zz.top@example.org',
      'jsmith@example.com',
      'bjensen@example.com',
      'adoe@example.org',
    ]);
  });
});

describe('sorting: missing values, collation, indexes', () => {
  test('resources without a value sort last ascending and first descending (RFC 7644 §3.4.2.3)', async () => {
    // zz.top has no title: a JSON attribute.
    expect(await names('sortBy=title')).toEqual([
      'adoe@example.org',
      'jsmith@example.com',
      'bjensen@example.com',
      'zz.top@example.org',
    ]);
    expect(await names('sortBy=title&sortOrder=descending')).toEqual([
      'zz.top@example.org',
      'bjensen@example.com',
      'jsmith@example.com',
      'adoe@example.org',
    ]);
  });

  test('a hot name column sorts by its lowercase in code point order, ties by id, missing values per the RFC', async () => {
    const tenant = await createTenant(t);
    const own = scimClient(t.url, tenant.directoryId, tenant.token);
    // Created in this order, so ids (UUIDv7) rise in it: "Same" and "SAME" tie and keep it ascending.
    const surnames = ['beta', 'Ölund', 'Same', undefined, 'zeta', '_under', 'Émile', 'SAME', 'Alpha'];
    for (const [i, familyName] of surnames.entries()) {
      const name = familyName === undefined ? { givenName: 'N' } : { givenName: 'N', familyName };
      expect((await own.post('/Users', userBody(`order.${i}`, { name }))).status).toBe(201);
    }
    const order = async (query: string) => {
      const res = await own.get(`/Users?sortBy=name.familyName&${query}`);
      expect(res.status, res.text).toBe(200);
      return res.body.Resources.map((u: { userName: string }) => Number(u.userName.split('.')[1]));
    };
    // "_" (U+005F) comes before "a", and "é" (U+00E9), "ö" (U+00F6) after "z": byte order of the lowercase.
    const ascending = [5, 8, 0, 2, 7, 4, 6, 1, 3];
    expect(await order('')).toEqual(ascending);
    // Descending reverses the whole order: the user without a familyName first, the tie by id descending.
    expect(await order('sortOrder=descending')).toEqual([...ascending].reverse());
    // Pages of the same order.
    const pages = [];
    for (let start = 1; start <= surnames.length; start += 4)
      pages.push(...(await order(`startIndex=${start}&count=4`)));
    expect(pages).toEqual(ascending);
    // A filter on the column compares in the same order.
    expect(await order(`filter=${encodeURIComponent('name.familyName gt "same"')}`)).toEqual([4, 6, 1]);
    expect(await order(`filter=${encodeURIComponent('name.familyName le "beta"')}`)).toEqual([5, 8, 0]);
  });

  test('an unfiltered page sorted by a name column reads its index in order, either way (migration 0022)', async () => {
    const tenant = await createTenant(t);
    const scope = [tenant.organizationId, tenant.directoryId];
    const client = await t.db.pool.connect();
    try {
      await client.query('begin');
      // A directory of some size, analyzed (both rolled back), so that the plan is the one a large directory gets.
      await client.query(
        `insert into scim_users (organization_id, directory_id, id, user_name, display_name, given_name, family_name,
                                 active, resource)
         select $1, $2, gen_random_uuid(), 'bulk' || g, 'Display ' || g, 'Given' || g, 'Family' || (g % 500),
                true, '{}'::jsonb
         from generate_series(1, 20000) g`,
        scope,
      );
      await client.query(
        `insert into scim_groups (organization_id, directory_id, id, display_name, resource)
         select $1, $2, gen_random_uuid(), 'Group ' || g, '{}'::jsonb from generate_series(1, 20000) g`,
        scope,
      );
      await client.query('analyze scim_users; analyze scim_groups');
      const cases: [ResourceTable, string, string, string][] = [
        [USER_TABLE, 'scim_users', 'userName', 'scim_users_user_name_order'],
        [USER_TABLE, 'scim_users', 'displayName', 'scim_users_display_name_order'],
        [USER_TABLE, 'scim_users', 'name.familyName', 'scim_users_family_name_order'],
        [USER_TABLE, 'scim_users', 'name.givenName', 'scim_users_given_name_order'],
        [GROUP_TABLE, 'scim_groups', 'displayName', 'scim_groups_display_name_order'],
      ];
      for (const [table, relation, sortBy, index] of cases) {
        for (const sortOrder of ['ascending', 'descending']) {
          const plan = planList(parseListQuery({ sortBy, sortOrder, startIndex: '1' }, PAGING), table);
          const q = sql`explain (costs off) select r.id from ${raw(relation)} r
              where r.organization_id = ${tenant.organizationId} and r.directory_id = ${tenant.directoryId}
                and (${plan.where})
              order by ${plan.orderBy} limit ${plan.limit} offset ${plan.offset}`;
          const text = (await client.query<{ 'QUERY PLAN': string }>(q.text, q.values)).rows
            .map((r) => r['QUERY PLAN'])
            .join('\n');
          const scan = sortOrder === 'ascending' ? 'Index Scan using' : 'Index Scan Backward using';
          expect(text, `${sortBy} ${sortOrder}`).toContain(`${scan} ${index}`);
          expect(text, `${sortBy} ${sortOrder}`).not.toMatch(/Sort/);
        }
      }
      // A cursor page deep in a walk sorted by name starts at its key in the same index: a range, not a scan
      // from the start (pages in the middle of the directory cost what the first does).
      const id = (await client.query<{ id: string }>('select gen_random_uuid() as id')).rows[0]!.id;
      for (const [direction, sortOrder] of [
        ['after', 'ascending'],
        ['before', 'ascending'],
        ['after', 'descending'],
      ] as const) {
        const q = parseListQuery({ sortBy: 'name.familyName', sortOrder, cursor: 'x' }, PAGING);
        const plan = planList(q, USER_TABLE, { direction, id, sorted: { key: 'family250' } });
        const explain = sql`explain (costs off) select r.id from scim_users r
            where r.organization_id = ${tenant.organizationId} and r.directory_id = ${tenant.directoryId}
              and (${plan.where})
            order by ${plan.orderBy} limit ${plan.limit}`;
        const text = (await client.query<{ 'QUERY PLAN': string }>(explain.text, explain.values)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        expect(text, `${direction} ${sortOrder}`).toContain('scim_users_family_name_order');
        expect(text, `${direction} ${sortOrder}`).toMatch(/Index Cond: .*ROW\(\(lower\(family_name\)/);
        expect(text, `${direction} ${sortOrder}`).not.toMatch(/Sort/);
      }
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});

describe('cursor paging with sortBy (RFC 9865: cursor pages are sorted)', () => {
  let own: ScimClient;
  const userNames: string[] = [];
  beforeAll(async () => {
    const tenant = await createTenant(t);
    own = scimClient(t.url, tenant.directoryId, tenant.token);
    // Ties (case variants of one name, the same title, half of them active), values missing, non-ASCII.
    const families = [
      'Same',
      'b',
      undefined,
      'same',
      'Ölund',
      '_x',
      'SAME',
      undefined,
      'b',
      'a',
      'Same',
      'z',
    ];
    for (const [i, familyName] of families.entries()) {
      const userName = `cursor.${String(i).padStart(2, '0')}@example.com`;
      const body = userBody(userName, {
        name: familyName === undefined ? { givenName: 'C' } : { givenName: 'C', familyName },
        active: i % 2 === 0,
        ...(i % 3 === 0 ? {} : { title: i % 3 === 1 ? 'Lead' : 'Staff' }),
        emails: [{ value: `${String(11 - i).padStart(2, '0')}@example.com`, type: 'work', primary: true }],
      });
      expect((await own.post('/Users', body)).status).toBe(201);
      userNames.push(userName);
    }
  });

  const idsOf = (body: { Resources: { id: string }[] }) => body.Resources.map((r) => r.id);

  /** Every page of a cursor walk, forwards from the start, then backwards from the last page by previousCursor. */
  async function walk(query: string, count: number) {
    const forward: string[][] = [];
    let last: { previousCursor?: string } = {};
    for (let cursor: string | undefined = ''; cursor !== undefined;) {
      const res = await own.get(`/Users?${query}&count=${count}&cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.totalResults).toBe(userNames.length);
      forward.push(idsOf(res.body));
      last = res.body;
      cursor = res.body.nextCursor;
      expect(forward.length).toBeLessThanOrEqual(userNames.length + 1);
    }
    const backward: string[][] = [forward.at(-1)!];
    for (let cursor = last.previousCursor; cursor !== undefined;) {
      const res = await own.get(`/Users?${query}&count=${count}&cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, res.text).toBe(200);
      backward.unshift(idsOf(res.body));
      cursor = res.body.previousCursor;
    }
    return { forward, backward };
  }

  test('a walk visits every user once, in the order index paging gives, forwards and back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'name.familyName',
          'userName',
          'title',
          'active',
          'emails',
          'meta.lastModified',
          'name.givenName',
        ),
        fc.constantFrom('ascending', 'descending'),
        fc.integer({ min: 1, max: 5 }),
        async (sortBy, sortOrder, count) => {
          const query = `sortBy=${sortBy}&sortOrder=${sortOrder}`;
          const all = await own.get(`/Users?${query}&startIndex=1&count=1000`);
          const { forward, backward } = await walk(query, count);
          expect(forward.flat()).toEqual(idsOf(all.body));
          expect(forward.slice(0, -1).every((page) => page.length === count)).toBe(true);
          expect(backward).toEqual(forward);
        },
      ),
      { numRuns: 25 },
    );
  });

  test('without sortBy a walk is by id, either way', async () => {
    for (const sortOrder of ['ascending', 'descending']) {
      const all = await own.get(`/Users?sortOrder=${sortOrder}&startIndex=1&count=1000`);
      const { forward, backward } = await walk(`sortOrder=${sortOrder}`, 5);
      expect(forward.flat()).toEqual(idsOf(all.body));
      expect(backward).toEqual(forward);
    }
  });

  test('a cursor is refused with another sort, and a forged one with invalidCursor', async () => {
    const forged = (s: string, k: string) =>
      Buffer.from(JSON.stringify({ d: 'a', i: randomUUID(), t: 12, s, o: 'a', k })).toString('base64url');
    const first = await own.get('/Users?sortBy=name.familyName&count=2&cursor=');
    const cursor = encodeURIComponent(first.body.nextCursor);
    expect((await own.get(`/Users?sortBy=name.familyName&count=2&cursor=${cursor}`)).status).toBe(200);
    for (const query of [
      `sortBy=userName&count=2&cursor=${cursor}`,
      `sortBy=name.familyName&sortOrder=descending&count=2&cursor=${cursor}`,
      `count=2&cursor=${cursor}`,
      `sortBy=name.familyName&count=2&cursor=${encodeURIComponent((await own.get('/Users?count=2&cursor=')).body.nextCursor)}`,
      `sortBy=name.familyName&count=2&cursor=${Buffer.from('{"d":"a","i":"x"}').toString('base64url')}`,
      `sortBy=name.familyName&count=2&cursor=${Buffer.from('{not json').toString('base64url')}`,
      // A key that is not a value of the sort key's type reaches PostgreSQL, and is still a bad cursor.
      `sortBy=meta.lastModified&count=2&cursor=${forged('meta.lastModified', 'yesterday-ish')}`,
      `sortBy=active&count=2&cursor=${forged('active', 'perhaps')}`,
    ]) {
      const res = await own.get(`/Users?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.scimType, query).toBe('invalidCursor');
    }
  });

  test('POST /Users/.search walks the same sorted pages with the cursor in its body', async () => {
    const sorted = { sortBy: 'name.familyName', sortOrder: 'descending' };
    const all = await own.get('/Users?sortBy=name.familyName&sortOrder=descending&startIndex=1&count=1000');
    const seen: string[] = [];
    for (let cursor: string | undefined = ''; cursor !== undefined;) {
      const res = await own.post('/Users/.search', { ...sorted, count: 5, cursor });
      expect(res.status, res.text).toBe(200);
      seen.push(...idsOf(res.body));
      cursor = res.body.nextCursor;
    }
    expect(seen).toEqual(idsOf(all.body));
  });

  test('groups walk sorted by displayName too', async () => {
    for (const displayName of ['Cursor B', 'cursor a', 'Cursor C', 'CURSOR A2'])
      await own.post('/Groups', { schemas: [GROUP_SCHEMA], displayName });
    const all = await own.get('/Groups?sortBy=displayName&sortOrder=descending&startIndex=1&count=1000');
    const seen: string[] = [];
    for (let cursor: string | undefined = ''; cursor !== undefined;) {
      const res = await own.get(
        `/Groups?sortBy=displayName&sortOrder=descending&count=1&cursor=${encodeURIComponent(cursor)}`,
      );
      seen.push(...idsOf(res.body));
      cursor = res.body.nextCursor;
    }
    expect(seen).toEqual(idsOf(all.body));
    expect(all.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([
      'Cursor C',
      'Cursor B',
      'CURSOR A2',
      'cursor a',
    ]);
  });
});

describe('paging', () => {
  test('index paging: startIndex is 1-based, totalResults exact, integers on the wire', async () => {
    const first = await scim.get('/Users?sortBy=userName&startIndex=1&count=2');
    expect(first.body).toMatchObject({ totalResults: 4, startIndex: 1, itemsPerPage: 2 });
    const second = await scim.get('/Users?sortBy=userName&startIndex=3&count=2');
    expect(second.body.Resources.map((r: { userName: string }) => r.userName)).toEqual([
      'jsmith@example.com',
      'zz.top@example.org',
    ]);
    const zero = await scim.get('/Users?count=0');
    expect(zero.body).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
    const beyond = await scim.get('/Users?startIndex=99');
    expect(beyond.body).toMatchObject({ totalResults: 4, itemsPerPage: 0 });
  });

  test('cursor paging (RFC 9865) walks every user exactly once', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 10; i++) {
      const res = await scim.get(`/Users?count=3&cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.Resources.map((r: { id: string }) => r.id));
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    expect(seen.sort()).toEqual([...ids.values()].sort());
    // previousCursor walks back over the same pages.
    const forward: string[][] = [];
    let next: string | undefined = '';
    let lastPage: { previousCursor?: string } = {};
    while (next !== undefined) {
      const res = await scim.get(`/Users?count=2&cursor=${encodeURIComponent(next)}`);
      forward.push(res.body.Resources.map((r: { id: string }) => r.id));
      lastPage = res.body;
      next = res.body.nextCursor;
    }
    expect(forward.flat().sort()).toEqual([...ids.values()].sort());
    const backward: string[][] = [forward.at(-1)!];
    let previous = lastPage.previousCursor;
    while (previous !== undefined) {
      const res = await scim.get(`/Users?count=2&cursor=${encodeURIComponent(previous)}`);
      backward.unshift(res.body.Resources.map((r: { id: string }) => r.id));
      previous = res.body.previousCursor;
    }
    expect(backward).toEqual(forward);
    const bad = await scim.get('/Users?cursor=bm9wZQ');
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidCursor');
  });

  test('cursor pages report the total counted when the walk began', async () => {
    const first = await scim.get('/Users?count=1&cursor=');
    expect(first.body.totalResults).toBe(4);
    const id = (await scim.post('/Users', userBody('late.comer@example.com'))).body.id as string;
    try {
      // The walk goes on with the total it started with; a new walk counts again.
      const second = await scim.get(`/Users?count=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body.totalResults).toBe(4);
      expect((await scim.get('/Users?count=1&cursor=')).body.totalResults).toBe(5);
      // A first page that holds the whole list needs no count.
      expect((await scim.get('/Users?count=100&cursor=')).body).toMatchObject({
        totalResults: 5,
        itemsPerPage: 5,
      });
    } finally {
      expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    }
  });

  test('POST /.search takes the same parameters in its body', async () => {
    const res = await scim.post('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "a"',
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    expect(res.status).toBe(200);
    expect(res.body.Resources).toEqual([
      { schemas: [USER_SCHEMA, ENTERPRISE], id: ids.get('adoe@example.org'), userName: 'adoe@example.org' },
    ]);
  });

  test('POST /.search at the root searches Users and Groups together (RFC 7644 §3.4.3)', async () => {
    await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Root Search Group' });
    const all = await scim.post('/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
    });
    expect(all.status).toBe(200);
    const types = all.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType);
    expect(types.filter((t: string) => t === 'User')).toHaveLength(4);
    expect(types).toContain('Group');
    expect(all.body.totalResults).toBe(types.length);

    // userName exists only on Users: the filter matches no Group.
    const users = await scim.post('/.search', { filter: 'userName sw "a"' });
    expect(users.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['adoe@example.org']);
    const groups = await scim.post('/.search', { filter: 'displayName eq "root search group"' });
    expect(groups.body.Resources.map((r: { displayName: string }) => r.displayName)).toEqual([
      'Root Search Group',
    ]);

    // Paging crosses from Users into Groups.
    const page = await scim.post('/.search', { startIndex: 4, count: 2 });
    expect(page.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType)).toEqual([
      'User',
      'Group',
    ]);
    expect((await scim.post('/.search', { filter: 'nosuch eq "x"' })).status).toBe(400);
  });
});

describe('list pages render what GET by id renders', () => {
  test('with groups, a manager, escapes and non-ASCII text, on index and cursor pages', async () => {
    const tenant = await createTenant(t);
    const own = scimClient(t.url, tenant.directoryId, tenant.token);
    const created = async (body: Record<string, unknown>) => {
      const res = await own.post('/Users', body);
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    const boss = await created(userBody('render.boss'));
    const odd = await created(
      userBody('render.odd', {
        displayName: 'Zoë "Z" \\ Ångström 👩‍💻\nline\ttab',
        nickName: '</script>\u2028',
      }),
    );
    const managed = await created({
      ...userBody('render.managed'),
      schemas: [USER_SCHEMA, ENTERPRISE],
      [ENTERPRISE]: { department: 'Ops', manager: { value: boss } },
    });
    await own.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Render "Crew"',
      members: [{ value: odd }, { value: managed }],
    });
    const byId = new Map<string, unknown>();
    for (const id of [boss, odd, managed]) byId.set(id, (await own.get(`/Users/${id}`)).body);
    const page = await own.get(
      `/Users?filter=${encodeURIComponent('userName sw "render."')}&sortBy=userName`,
    );
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(page.body).toMatchObject({ totalResults: 3, itemsPerPage: 3, startIndex: 1 });
    expect(page.body.Resources).toEqual([byId.get(boss), byId.get(managed), byId.get(odd)]);
    expect(page.body.Resources[1][ENTERPRISE].manager.$ref).toBe(`${own.base}/Users/${boss}`);
    expect(page.body.Resources[2].groups[0].display).toBe('Render "Crew"');
    const first = await own.get('/Users?count=2&cursor=');
    const second = await own.get(`/Users?count=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    const byIdOrder = (list: { id: string }[]) => [...list].sort((x, y) => x.id.localeCompare(y.id));
    expect(byIdOrder([...first.body.Resources, ...second.body.Resources])).toEqual(
      byIdOrder([...byId.values()] as { id: string }[]),
    );
    expect(second.body.previousCursor).toEqual(expect.any(String));
    const empty = await own.get(`/Users?filter=${encodeURIComponent('userName sw "nobody"')}`);
    expect(empty.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    });
  });
  test('nested groups: direct and indirect, in display-name order, shared by users on one page', async () => {
    const tenant = await createTenant(t);
    const own = scimClient(t.url, tenant.directoryId, tenant.token);
    const user = async (name: string) => (await own.post('/Users', userBody(name))).body.id as string;
    const group = async (displayName: string, members: string[]) => {
      const res = await own.post('/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName,
        members: members.map((value) => ({ value })),
      });
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    const [u1, u2, u3] = [await user('nest.a'), await user('nest.b'), await user('nest.c')];
    // u1 is in "Émile" and "alpha" directly; both are in "Bravo", which is in "charlie", which u1 is also in
    // directly (so it is direct for u1, indirect for u2). u2 is in "Bravo" only; u3 in nothing.
    const emile = await group('Émile', [u1]);
    const alpha = await group('alpha', [u1]);
    const bravo = await group('Bravo', [emile, alpha, u2]);
    const charlie = await group('charlie', [bravo, u1]);
    const byId = new Map<string, unknown>();
    for (const id of [u1, u2, u3]) byId.set(id, (await own.get(`/Users/${id}`)).body);
    const page = await own.get(`/Users?filter=${encodeURIComponent('userName sw "nest."')}&sortBy=userName`);
    expect(page.body.Resources).toEqual([byId.get(u1), byId.get(u2), byId.get(u3)]);
    const refs = (body: { groups?: { value: string; type: string }[] }) =>
      (body.groups ?? []).map((g) => `${g.value}:${g.type}`).sort();
    expect(refs(page.body.Resources[0])).toEqual(
      [`${emile}:direct`, `${alpha}:direct`, `${bravo}:indirect`, `${charlie}:direct`].sort(),
    );
    expect(refs(page.body.Resources[1])).toEqual([`${bravo}:direct`, `${charlie}:indirect`].sort());
    expect(page.body.Resources[2].groups).toBeUndefined();
    const cursor = await own.get(
      `/Users?count=10&cursor=&filter=${encodeURIComponent('userName sw "nest."')}`,
    );
    const byIdOrder = (list: { id: string }[]) => [...list].sort((x, y) => x.id.localeCompare(y.id));
    expect(byIdOrder(cursor.body.Resources)).toEqual(byIdOrder([...byId.values()] as { id: string }[]));
    // A group deleted since disappears from every member's groups, including the indirect ones it carried.
    expect((await own.delete(`/Groups/${bravo}`)).status).toBe(204);
    const after = await own.get(`/Users?filter=${encodeURIComponent('userName sw "nest."')}&sortBy=userName`);
    expect(refs(after.body.Resources[0])).toEqual(
      [`${emile}:direct`, `${alpha}:direct`, `${charlie}:direct`].sort(),
    );
    expect(after.body.Resources[1].groups).toBeUndefined();
    expect(after.body.Resources[0]).toEqual((await own.get(`/Users/${u1}`)).body);
  });
  test('users in the same groups share their rendered groups; users in other groups do not', async () => {
    const tenant = await createTenant(t);
    const own = scimClient(t.url, tenant.directoryId, tenant.token);
    const user = async (name: string) => (await own.post('/Users', userBody(name))).body.id as string;
    const [u1, u2, u3, u4] = [
      await user('same.a'),
      await user('same.b'),
      await user('same.c'),
      await user('same.d'),
    ];
    const group = async (displayName: string) =>
      (await own.post('/Groups', { schemas: [GROUP_SCHEMA], displayName })).body.id as string;
    const [red, blue, green] = [await group('Same Red'), await group('Same Blue'), await group('Same Green')];
    const add = async (groupId: string, members: string[]) => {
      const res = await own.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }],
      });
      expect(res.status, res.text).toBeLessThan(300);
    };
    // u1 and u2 end up in red and blue (joined in opposite orders), u3 in red only, u4 in red, blue and green.
    await add(red, [u1, u3, u4]);
    await add(blue, [u2, u1, u4]);
    await add(red, [u2]);
    await add(green, [u4]);
    const page = await own.get(`/Users?filter=${encodeURIComponent('userName sw "same."')}&sortBy=userName`);
    expect(page.status).toBe(200);
    for (const [i, id] of [u1, u2, u3, u4].entries()) {
      expect(page.body.Resources[i]).toEqual((await own.get(`/Users/${id}`)).body);
    }
    const displays = (i: number) =>
      (page.body.Resources[i].groups as { display: string }[]).map((g) => g.display);
    expect(displays(0)).toEqual(['Same Blue', 'Same Red']);
    expect(displays(1)).toEqual(['Same Blue', 'Same Red']);
    expect(displays(2)).toEqual(['Same Red']);
    expect(displays(3)).toEqual(['Same Blue', 'Same Green', 'Same Red']);
  });
});

describe('statistics for prefix filters', () => {
  test('the expressions `sw` searches keep 1,000 histogram buckets (migration 0015)', async () => {
    // With PostgreSQL's 100, a prefix that is a histogram bound is estimated at a whole bucket, and a sorted page
    // at 1M users walked the sort index for seconds (docs in the migration); nothing smaller shows the plan flip.
    const rows = await query<{ index: string; target: number }>(
      t.db.pool,
      sql`select c.relname as index, a.attstattarget::int as target
          from pg_attribute a join pg_class c on c.oid = a.attrelid
          where a.attnum = 3 and c.relname = any(${[
            'scim_users_family_name_order',
            'scim_users_given_name_order',
            'scim_users_display_name_order',
            'scim_users_user_name_order',
            'scim_user_emails_value',
            'scim_groups_display_name_order',
          ]}::text[])
          order by 1`,
    );
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.target === 1000)).toBe(true);
  });
});

describe('membership reads', () => {
  test("a user's groups and a group's parents come from the membership index alone (migration 0017)", async () => {
    const tenant = await createTenant(t);
    const own = scimClient(t.url, tenant.directoryId, tenant.token);
    const user = (await own.post('/Users', userBody('index.only'))).body.id as string;
    const group = async (displayName: string, members: string[]) =>
      (
        await own.post('/Groups', {
          schemas: [GROUP_SCHEMA],
          displayName,
          members: members.map((value) => ({ value })),
        })
      ).body.id as string;
    const inner = await group('Index Inner', [user]);
    await group('Index Outer', [inner, user]);
    // The two reads, as selectPage (a page's direct groups, sorted) and groupsUp (a group's parents) send them.
    // With plain index scans and table scans ruled out, only an index holding every column they read can serve
    // them, and its order makes the sort unnecessary.
    const plan = async (statement: string, values: unknown[]) => {
      const client = await t.db.pool.connect();
      try {
        await client.query('begin');
        await client.query(
          'set local enable_seqscan = off; set local enable_bitmapscan = off; set local enable_indexscan = off',
        );
        const rows = (
          await client.query<{ 'QUERY PLAN': string }>(`explain (costs off) ${statement}`, values)
        ).rows;
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await client.query('rollback');
        client.release();
      }
    };
    const scope = [tenant.organizationId, tenant.directoryId];
    const direct = await plan(
      `select string_agg(m.group_id::text, ',' order by m.group_id) from scim_group_members m
       where m.organization_id = $1 and m.directory_id = $2 and m.member_id = $3`,
      [...scope, user],
    );
    expect(direct).toContain('Index Only Scan using scim_group_members_member_groups');
    expect(direct).not.toContain('Sort');
    const parents = await plan(
      `select m.group_id from scim_group_members m
       where m.organization_id = $1 and m.directory_id = $2 and m.member_type = 'Group' and m.member_id = $3`,
      [...scope, inner],
    );
    expect(parents).toContain('Index Only Scan using scim_group_members_member_groups');
    const page = await own.get(`/Users?filter=${encodeURIComponent('userName eq "index.only"')}`);
    expect(page.body.Resources[0].groups.map((g: { display: string }) => g.display)).toEqual([
      'Index Inner',
      'Index Outer',
    ]);
  });
});

describe('prefix filters', () => {
  // Surnames around the prefix "ab": its end (roster_prefix_end) is "ac", and U+10FFFF cannot be raised.
  const surnames = ['Ab', 'abz', 'AB\u{10FFFF}x', 'Ab\u{D7FF}', 'Ac', 'Aa', 'a', 'Äb', 'ab%', 'a_b'];
  const matching = (prefix: string) =>
    surnames.filter((s) => s.toLowerCase().startsWith(prefix.toLowerCase())).sort();

  test('roster_prefix_end raises the last code point, past surrogates and U+10FFFF (migration 0018)', async () => {
    const end = async (prefix: string) =>
      (await t.db.pool.query<{ e: string | null }>('select roster_prefix_end($1) as e', [prefix])).rows[0]!.e;
    expect(await end('ab')).toBe('ac');
    expect(await end('é')).toBe('ê');
    expect(await end('a\u{D7FF}')).toBe('a\u{E000}');
    expect(await end('a\u{10FFFF}\u{10FFFF}')).toBe('b');
    expect(await end('\u{10FFFF}')).toBeNull();
    expect(await end('')).toBeNull();
  });

  test('sw matches exactly the prefixed values, case-insensitively, around the range bounds', async () => {
    const tenant = await createTenant(t);
    const own = scimClient(t.url, tenant.directoryId, tenant.token);
    for (const [i, familyName] of surnames.entries()) {
      await own.post('/Users', userBody(`prefix.${i}`, { name: { givenName: 'P', familyName } }));
    }
    const group = { schemas: [GROUP_SCHEMA] };
    for (const displayName of ['Abz Team', 'AB Team', 'Ac Team'])
      await own.post('/Groups', { ...group, displayName });
    // Several rounds, so that pooled connections that prepared the page have passed their first five (custom)
    // plans and run the generic one.
    for (let round = 0; round < 8; round++) {
      for (const prefix of ['ab', 'AB\u{10FFFF}', 'ab%', 'a_', 'Ä', '\u{10FFFF}', 'a']) {
        const filter = encodeURIComponent(`name.familyName sw ${JSON.stringify(prefix)}`);
        const page = await own.get(`/Users?sortBy=name.familyName&filter=${filter}`);
        expect(page.status).toBe(200);
        const found = page.body.Resources.map((u: { name: { familyName: string } }) => u.name.familyName);
        expect(found.sort(), prefix).toEqual(matching(prefix));
      }
      const groups = await own.get(`/Groups?filter=${encodeURIComponent('displayName sw "ab"')}`);
      expect(groups.body.Resources.map((g: { displayName: string }) => g.displayName).sort()).toEqual([
        'AB Team',
        'Abz Team',
      ]);
    }
  });

  test("a generic plan of a prefix page reads the prefix's range of its index", async () => {
    const tenant = await createTenant(t);
    const own = scimClient(t.url, tenant.directoryId, tenant.token);
    for (const [i, familyName] of surnames.entries()) {
      await own.post('/Users', userBody(`generic.${i}`, { name: { givenName: 'G', familyName } }));
    }
    const filter = (prefix: string) =>
      compileFilter(parseScimFilter(`name.familyName sw "${prefix}"`), USER_TABLE);
    const page = (prefix: string) =>
      sql`select r.family_name from scim_users r
          where r.organization_id = ${tenant.organizationId} and r.directory_id = ${tenant.directoryId}
            and (${filter(prefix)})`;
    const client = await t.db.pool.connect();
    try {
      await client.query('begin');
      // A directory of some size, analyzed (both rolled back): over a few rows every index costs the same, and
      // the plan would name whichever the planner met first.
      await client.query(
        `insert into scim_users (organization_id, directory_id, id, user_name, family_name, active, resource)
         select $1, $2, gen_random_uuid(), 'bulk' || g, 'Bulk' || g, true, '{}'::jsonb
         from generate_series(1, 5000) g`,
        [tenant.organizationId, tenant.directoryId],
      );
      await client.query('analyze scim_users');
      // What a prepared page runs after its first five executions, when its plan stops depending on the values.
      await client.query('set local plan_cache_mode = force_generic_plan');
      const statement = { name: 'prefix_generic', text: page('x').text };
      for (const prefix of ['ab', 'AB\u{10FFFF}', 'a', 'Ä', 'ab%']) {
        const rows = (
          await client.query<{ family_name: string }>({ ...statement, values: page(prefix).values })
        ).rows;
        expect(rows.map((r) => r.family_name).sort(), prefix).toEqual(matching(prefix));
      }
      const q = page('ab');
      await client.query(`prepare prefix_explain as ${q.text}`);
      // EXPLAIN EXECUTE takes its arguments as literals (a utility statement has no bind parameters).
      const args = q.values.map((v) => client.escapeLiteral(String(v))).join(', ');
      const explained = await client.query<{ 'QUERY PLAN': string }>(
        `explain (costs off) execute prefix_explain(${args})`,
      );
      const plan = explained.rows.map((r) => r['QUERY PLAN']).join('\n');
      await client.query('deallocate prefix_explain');
      expect(plan).toMatch(/Index Scan using scim_users_family_name_order/);
      expect(plan).toMatch(/Index Cond: .*lower\(family_name\).* >= lower\(\$\d+\).* < roster_prefix_end/);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});
