/** SCIM Bulk (RFC 7644 §3.7) through HTTP against real PostgreSQL. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  RFC7644_BULK_ID_REQUEST,
  RFC7644_BULK_ID_RESPONSE,
  RFC7644_BULK_IDS,
  RFC7644_BULK_REQUEST,
  RFC7644_BULK_RESPONSE,
  RFC7644_CIRCULAR_REQUEST,
} from '../src/scim/fixtures/rfc7644-bulk.js';
import {
  GROUP_SCHEMA,
  PATCH_OP,
  type ScimClient,
  USER_SCHEMA,
  scimClient,
  userBody,
} from './support/scim-client.js';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** A fresh directory, so counts and names never depend on other tests. */
async function directory(): Promise<ScimClient> {
  const tenant = await createTenant(t);
  return scimClient(t.url, tenant.directoryId, tenant.token);
}

type Op = Record<string, unknown>;
const bulk = (scim: ScimClient, Operations: unknown[], extra: Record<string, unknown> = {}) =>
  scim.post('/Bulk', { schemas: [BULK_REQUEST], ...extra, Operations });
const postUser = (bulkId: string, userName: string, extra: Record<string, unknown> = {}): Op => ({
  method: 'POST',
  path: '/Users',
  bulkId,
  data: userBody(userName, extra),
});
const count = async (scim: ScimClient, resource: 'Users' | 'Groups') =>
  (await scim.get(`/${resource}?count=0`)).body.totalResults as number;
const findUser = async (scim: ScimClient, userName: string) =>
  (await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources?.[0];

describe('RFC 7644 §3.7 examples', () => {
  test('§3.7.2: a user and a group that references it by bulkId', async () => {
    const scim = await directory();
    const res = await scim.post('/Bulk', RFC7644_BULK_ID_REQUEST);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(res.body.schemas).toEqual([BULK_RESPONSE]);
    // Same shape as the RFC's response, with this server's ids and versions.
    const shape = (ops: Record<string, unknown>[]) =>
      ops.map(({ method, bulkId, status }) => ({ method, bulkId, status }));
    expect(shape(res.body.Operations)).toEqual(shape(RFC7644_BULK_ID_RESPONSE.Operations));
    const [user, group] = res.body.Operations;
    expect(user.location).toMatch(new RegExp(`^${scim.base}/Users/[0-9a-f-]{36}$`));
    expect(group.location).toMatch(new RegExp(`^${scim.base}/Groups/[0-9a-f-]{36}$`));
    expect(user.version).toMatch(/^W\/"\d+"$/);
    expect(user.response).toMatchObject({ userName: 'Alice', meta: { location: user.location } });
    const userId = user.location.split('/').at(-1);
    const read = await scim.get(`/Groups/${group.location.split('/').at(-1)}`);
    expect(read.body.members).toEqual([
      expect.objectContaining({ value: userId, type: 'User', display: 'Alice' }),
    ]);
    expect(group.response.members).toEqual(read.body.members);
  });

  test('§3.7.2 reordered: a group POSTed before the member it references is created after it', async () => {
    const scim = await directory();
    const [alice, guides] = RFC7644_BULK_ID_REQUEST.Operations;
    const res = await scim.post('/Bulk', { ...RFC7644_BULK_ID_REQUEST, Operations: [guides, alice] });
    expect(res.status).toBe(200);
    // Reported in request order: the group first.
    expect(res.body.Operations.map((o: Op) => [o.bulkId, o.status])).toEqual([
      ['ytrewq', '201'],
      ['qwerty', '201'],
    ]);
    const userId = res.body.Operations[1].location.split('/').at(-1);
    expect(res.body.Operations[0].response.members.map((m: Op) => m.value)).toEqual([userId]);
    const group = await scim.get(`/Groups/${res.body.Operations[0].location.split('/').at(-1)}`);
    expect(group.body.members.map((m: Op) => m.value)).toEqual([userId]);
  });

  test('§3.7.1: two groups that are members of each other are both created with both memberships', async () => {
    const scim = await directory();
    const res = await scim.post('/Bulk', RFC7644_CIRCULAR_REQUEST);
    expect(res.status).toBe(200);
    expect(res.body.Operations.map((o: Op) => o.status)).toEqual(['201', '201']);
    const [a, b] = res.body.Operations.map((o: Op) => String(o.location).split('/').at(-1));
    // "If the service provider resolved the above circular references, the following is returned from a
    // subsequent GET request": Group A has member Group B and Group B has member Group A.
    const list = await scim.get(
      `/Groups?filter=${encodeURIComponent('displayName sw "Group"')}&sortBy=displayName`,
    );
    expect(list.body.totalResults).toBe(2);
    expect(
      list.body.Resources.map((g: Op) => [g.displayName, (g.members as Op[]).map((m) => m.value)]),
    ).toEqual([
      ['Group A', [b]],
      ['Group B', [a]],
    ]);
    // The response shows each group as stored.
    expect(res.body.Operations[0].response.members.map((m: Op) => m.value)).toEqual([b]);
    expect(res.body.Operations[0].version).toBe(list.body.Resources[0].meta.version);
  });

  test('§3.7.3: add, update and remove users in one request', async () => {
    const scim = await directory();
    const created = await Promise.all(
      ['bob', 'dave', 'gone'].map(
        async (name) => (await scim.post('/Users', userBody(name, { nickName: 'Nick' }))).body,
      ),
    );
    const [bob, dave, gone] = created;
    const ids: Record<string, string> = {
      [RFC7644_BULK_IDS.put]: bob.id,
      [RFC7644_BULK_IDS.patch]: dave.id,
      [RFC7644_BULK_IDS.delete]: gone.id,
    };
    const versions = [undefined, bob.meta.version, dave.meta.version, gone.meta.version];
    // The RFC's request, with its ids and versions replaced by this directory's.
    const request = JSON.parse(
      JSON.stringify(RFC7644_BULK_REQUEST).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, (id) => ids[id] ?? id),
    );
    request.Operations.forEach((op: Op, i: number) => {
      if (versions[i]) op.version = versions[i];
    });
    const res = await scim.post('/Bulk', request);
    expect(res.status).toBe(200);
    const simplify = (o: Op) => ({
      method: o.method,
      bulkId: o.bulkId,
      status: o.status,
      hasVersion: 'version' in o,
    });
    expect(res.body.Operations.map(simplify)).toEqual(RFC7644_BULK_RESPONSE.Operations.map(simplify));
    expect(res.body.Operations.slice(1).map((o: Op) => o.location)).toEqual(
      [bob.id, dave.id, gone.id].map((id) => `${scim.base}/Users/${id}`),
    );
    expect((await scim.get(`/Users/${bob.id}`)).body.userName).toBe('Bob');
    const patched = (await scim.get(`/Users/${dave.id}`)).body;
    expect(patched.userName).toBe('Dave');
    expect(patched).not.toHaveProperty('nickName');
    expect((await scim.get(`/Users/${gone.id}`)).status).toBe(404);
    expect(await findUser(scim, 'Alice')).toMatchObject({ userName: 'Alice' });
  });

  test('§3.7.3: with failOnErrors 1 an error stops the run; later operations neither run nor are reported', async () => {
    const scim = await directory();
    const bob = (await scim.post('/Users', userBody('bob'))).body;
    const res = await scim.post('/Bulk', {
      ...RFC7644_BULK_REQUEST,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER_SCHEMA] } },
        { method: 'PUT', path: `/Users/${bob.id}`, data: userBody('Bob2') },
        { method: 'DELETE', path: `/Users/${bob.id}` },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.Operations).toEqual([
      {
        method: 'POST',
        bulkId: 'qwerty',
        status: '400',
        response: expect.objectContaining({ status: '400', scimType: 'invalidValue' }),
      },
    ]);
    expect((await scim.get(`/Users/${bob.id}`)).body.userName).toBe('bob');
  });

  test('§3.7.3: without failOnErrors every operation runs; stale versions are 412 and unknown ids 404', async () => {
    const scim = await directory();
    const bob = (await scim.post('/Users', userBody('bob'))).body;
    await scim.patch(`/Users/${bob.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'nickName', value: 'changed' }],
    });
    const res = await bulk(scim, [
      { method: 'PUT', path: `/Users/${bob.id}`, version: bob.meta.version, data: userBody('Bob') },
      {
        method: 'PATCH',
        path: `/Users/${bob.id}`,
        version: bob.meta.version,
        data: { Operations: [{ op: 'remove', path: 'nickName' }] },
      },
      { method: 'DELETE', path: `/Users/${RFC7644_BULK_IDS.delete}`, version: 'W/"0ee8add0a938e1a"' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.Operations.map((o: Op) => [o.method, o.status, o.location])).toEqual([
      ['PUT', '412', `${scim.base}/Users/${bob.id}`],
      ['PATCH', '412', `${scim.base}/Users/${bob.id}`],
      ['DELETE', '404', `${scim.base}/Users/${RFC7644_BULK_IDS.delete}`],
    ]);
    expect(res.body.Operations[0].response).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '412',
    });
    const after = (await scim.get(`/Users/${bob.id}`)).body;
    expect(after).toMatchObject({ userName: 'bob', nickName: 'changed' });
    // The current version is accepted.
    const ok = await bulk(scim, [
      { method: 'DELETE', path: `/Users/${bob.id}`, version: after.meta.version },
    ]);
    expect(ok.body.Operations[0].status).toBe('204');
    expect((await scim.get(`/Users/${bob.id}`)).status).toBe(404);
  });
});

describe('bulkId references', () => {
  test('PUT, PATCH and DELETE by bulkId path, and manager.value by bulkId', async () => {
    const scim = await directory();
    const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const res = await bulk(scim, [
      {
        method: 'PATCH',
        path: '/Users/bulkId:u1',
        data: { Operations: [{ op: 'replace', path: 'nickName', value: 'Patched' }] },
      },
      postUser('u1', 'one'),
      postUser('boss', 'boss'),
      postUser('u2', 'two', { [enterprise]: { manager: { value: 'bulkId:boss' } } }),
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'g',
        data: { displayName: 'G', members: [{ value: 'bulkId:u1' }] },
      },
      {
        method: 'PUT',
        path: '/Groups/bulkId:g',
        data: { displayName: 'G renamed', members: [{ value: 'bulkId:u2' }] },
      },
      {
        method: 'PATCH',
        path: '/Groups/bulkId:g',
        data: { Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:boss' }] }] },
      },
      {
        method: 'PATCH',
        path: '/Groups/bulkId:g',
        data: { Operations: [{ op: 'remove', path: 'members[value eq "bulkId:boss"]' }] },
      },
      { method: 'DELETE', path: '/Users/bulkId:u1' },
    ]);
    expect(res.status).toBe(200);
    const ops: Op[] = res.body.Operations;
    expect(ops.map((o) => o.status)).toEqual(['200', '201', '201', '201', '201', '200', '200', '200', '204']);
    const idOf = (i: number) => String(ops[i]!.location).split('/').at(-1);
    // The PATCH came before the POST in the request but ran after it, so it patched the created user.
    expect(ops[0]!.location).toBe(ops[1]!.location);
    expect((ops[0]!.response as Op).nickName).toBe('Patched');
    expect((ops[3]!.response as Op)[enterprise]).toMatchObject({ manager: { value: idOf(2) } });
    expect(ops[5]!.location).toBe(ops[4]!.location);
    expect((ops[6]!.response as { members: Op[] }).members.map((m) => m.value).sort()).toEqual(
      [idOf(2), idOf(3)].sort(),
    );
    expect(ops[8]!.location).toBe(ops[1]!.location);
    const group = (await scim.get(`/Groups/${idOf(4)}`)).body;
    expect(group).toMatchObject({ displayName: 'G renamed' });
    expect(group.members.map((m: Op) => m.value)).toEqual([idOf(3)]);
    expect((await scim.get(`/Users/${idOf(1)}`)).status).toBe(404);
  });

  test('an unknown bulkId fails that operation with 409; an operation on a failed POST fails too', async () => {
    const scim = await directory();
    const res = await bulk(scim, [
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'g',
        data: { displayName: 'G', members: [{ value: 'bulkId:nobody' }] },
      },
      { method: 'POST', path: '/Users', bulkId: 'bad', data: { schemas: [USER_SCHEMA] } },
      {
        method: 'PATCH',
        path: '/Users/bulkId:bad',
        data: { Operations: [{ op: 'replace', path: 'nickName', value: 'x' }] },
      },
      postUser('fine', 'fine'),
    ]);
    expect(res.body.Operations.map((o: Op) => o.status)).toEqual(['409', '400', '409', '201']);
    expect(res.body.Operations[0].response).toMatchObject({ status: '409', scimType: 'invalidValue' });
    expect(res.body.Operations[0].response.detail).toContain('nobody');
    expect(res.body.Operations[0]).not.toHaveProperty('location');
    expect(await count(scim, 'Groups')).toBe(0);
    expect(await count(scim, 'Users')).toBe(1);
  });

  test('a cycle that cannot be resolved keeps nothing: the failing POST reports its error, the others 409', async () => {
    const scim = await directory();
    await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Taken' });
    const res = await bulk(scim, [
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'a',
        data: { displayName: 'A', members: [{ value: 'bulkId:b' }] },
      },
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'b',
        data: { displayName: 'taken', members: [{ value: 'bulkId:a' }] },
      },
    ]);
    expect(res.body.Operations.map((o: Op) => [o.bulkId, o.status, (o.response as Op).scimType])).toEqual([
      ['a', '409', 'invalidValue'],
      ['b', '409', 'uniqueness'],
    ]);
    expect(await count(scim, 'Groups')).toBe(1);
  });
});

describe('outcomes per operation', () => {
  test('a failing operation in the middle changes nothing; the others are committed', async () => {
    const scim = await directory();
    const other = (await scim.post('/Users', userBody('existing'))).body;
    const res = await bulk(scim, [
      postUser('a', 'first'),
      {
        method: 'PATCH',
        path: `/Users/${other.id}`,
        data: { Operations: [{ op: 'replace', path: 'userName', value: 'first' }] },
      },
      {
        method: 'PUT',
        path: `/Users/${other.id}`,
        data: { schemas: [USER_SCHEMA], userName: 'renamed', active: 'sometimes' },
      },
      postUser('b', 'second'),
    ]);
    expect(res.body.Operations.map((o: Op) => o.status)).toEqual(['201', '409', '400', '201']);
    expect(res.body.Operations[1].response.scimType).toBe('uniqueness');
    expect((await scim.get(`/Users/${other.id}`)).body).toMatchObject({
      userName: 'existing',
      meta: other.meta,
    });
    expect(await findUser(scim, 'first')).toBeDefined();
    expect(await findUser(scim, 'second')).toBeDefined();
  });

  test('a batch of user POSTs: duplicate userNames (any case) in the batch or stored get 409, the rest 201', async () => {
    const scim = await directory();
    await scim.post('/Users', userBody('Stored.User'));
    const res = await bulk(scim, [
      postUser('1', 'alpha'),
      postUser('2', 'ALPHA'),
      postUser('3', 'beta', {
        emails: [
          { value: 'beta@work.example', type: 'work' },
          { value: 'beta@home.example', type: 'home' },
        ],
      }),
      postUser('4', 'stored.user'),
      postUser('5', 'gamma', { active: 'sometimes' }),
      postUser('6', 'delta'),
    ]);
    expect(res.body.Operations.map((o: Op) => [o.bulkId, o.status])).toEqual([
      ['1', '201'],
      ['2', '409'],
      ['3', '201'],
      ['4', '409'],
      ['5', '400'],
      ['6', '201'],
    ]);
    expect(res.body.Operations[1].response).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect(res.body.Operations[1]).not.toHaveProperty('location');
    expect(await count(scim, 'Users')).toBe(4);
    // Email rows are written for the inserted users, and only for them.
    const byEmail = async (value: string) =>
      (await scim.get(`/Users?filter=${encodeURIComponent(`emails.value eq "${value}"`)}`)).body.totalResults;
    expect(await byEmail('beta@home.example')).toBe(1);
    expect(await byEmail('beta@work.example')).toBe(1);
    expect(await byEmail('alpha@example.com')).toBe(1);
    expect(await byEmail('ALPHA@example.com')).toBe(1);
    expect(await byEmail('stored.user@example.com')).toBe(1);
    const alpha = await findUser(scim, 'alpha');
    expect(res.body.Operations[0].response).toEqual(alpha);
  });

  test('failOnErrors inside a batch: users after the error that stops the run are not created', async () => {
    const scim = await directory();
    const res = await bulk(
      scim,
      [postUser('1', 'one'), postUser('2', 'ONE'), postUser('3', 'three'), postUser('4', 'four')],
      { failOnErrors: 1 },
    );
    expect(res.body.Operations.map((o: Op) => [o.bulkId, o.status])).toEqual([
      ['1', '201'],
      ['2', '409'],
    ]);
    expect(await count(scim, 'Users')).toBe(1);
    expect(await findUser(scim, 'three')).toBeUndefined();

    const two = await bulk(
      scim,
      [
        postUser('1', 'bad', { active: 'x' }),
        postUser('2', 'ok'),
        postUser('3', 'one'),
        postUser('4', 'five'),
      ],
      { failOnErrors: 2 },
    );
    expect(two.body.Operations.map((o: Op) => o.status)).toEqual(['400', '201', '409']);
    expect(await findUser(scim, 'ok')).toBeDefined();
    expect(await findUser(scim, 'five')).toBeUndefined();
  });

  test("another directory's ids are 404 and stay unchanged", async () => {
    const mine = await directory();
    const theirs = await directory();
    const user = (await theirs.post('/Users', userBody('theirs'))).body;
    const group = (await theirs.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Theirs' })).body;
    const res = await bulk(mine, [
      { method: 'PUT', path: `/Users/${user.id}`, data: userBody('stolen') },
      {
        method: 'PATCH',
        path: `/Users/${user.id}`,
        data: { Operations: [{ op: 'replace', path: 'active', value: false }] },
      },
      { method: 'DELETE', path: `/Users/${user.id}` },
      { method: 'DELETE', path: `/Groups/${group.id}` },
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'g',
        data: { displayName: 'Mine', members: [{ value: user.id }] },
      },
    ]);
    expect(res.body.Operations.map((o: Op) => o.status)).toEqual(['404', '404', '404', '404', '201']);
    expect(res.body.Operations[4].response.members).toEqual([]);
    expect((await theirs.get(`/Users/${user.id}`)).body).toEqual(user);
    expect((await theirs.get(`/Groups/${group.id}`)).status).toBe(200);
  });

  test('malformed operations fail alone with the status a single request would get', async () => {
    const scim = await directory();
    const res = await bulk(scim, [
      { method: 'GET', path: '/Users' },
      { method: 'post', path: '/Users', data: userBody('nobulkid') },
      { method: 'POST', path: '/Users/123', bulkId: 'x', data: userBody('x') },
      { method: 'PUT', path: '/Widgets/1', data: {} },
      { method: 'PATCH', path: '/Users/1' },
      { method: 'post', path: '/users', bulkId: 'dup', data: userBody('dup1') },
      { method: 'POST', path: '/Users', bulkId: 'dup', data: userBody('dup2') },
      'not an object',
    ]);
    expect(res.status).toBe(200);
    expect(res.body.Operations.map((o: Op) => o.status)).toEqual([
      '400',
      '400',
      '404',
      '404',
      '400',
      '201',
      '400',
      '400',
    ]);
    expect(res.body.Operations[5]).toMatchObject({ method: 'POST', bulkId: 'dup' });
    expect(await count(scim, 'Users')).toBe(1);
  });
});

describe('the request as a whole', () => {
  test('ServiceProviderConfig advertises bulk with its limits', async () => {
    const scim = await directory();
    const res = await scim.get('/ServiceProviderConfig');
    expect(res.body.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 });
  });

  test('more than maxOperations is 413 tooMany and runs nothing', async () => {
    const scim = await directory();
    const ops = Array.from({ length: 1001 }, (_, i) => postUser(`u${i}`, `u${i}`));
    const res = await bulk(scim, ops);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: '413', scimType: 'tooMany' });
    expect(res.body.detail).toContain('1000');
    expect(await count(scim, 'Users')).toBe(0);
    // Exactly the limit is fine.
    const max = await bulk(scim, ops.slice(0, 1000));
    expect(max.status).toBe(200);
    expect(await count(scim, 'Users')).toBe(1000);
  });

  test('a payload over maxPayloadSize is 413 tooLarge and runs nothing', async () => {
    const scim = await directory();
    const padding = 'x'.repeat(1_048_576);
    const res = await bulk(scim, [postUser('big', 'big', { nickName: padding })]);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(res.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '413',
      scimType: 'tooLarge',
    });
    expect(res.body.detail).toContain('1048576');
    expect(await count(scim, 'Users')).toBe(0);
  });

  test('a body the default limit allows elsewhere is still refused elsewhere with the generic 413', async () => {
    const app = await startTestApp({ ROSTER_BODY_LIMIT_BYTES: '2048' });
    try {
      const tenant = await createTenant(app);
      const scim = scimClient(app.url, tenant.directoryId, tenant.token);
      const big = userBody('big', { nickName: 'x'.repeat(4096) });
      const single = await scim.post('/Users', big);
      expect(single.status).toBe(413);
      expect(single.body.scimType).toBeUndefined();
      // Bulk has its own limit (maxPayloadSize), independent of ROSTER_BODY_LIMIT_BYTES.
      const viaBulk = await bulk(scim, [{ method: 'POST', path: '/Users', bulkId: 'b', data: big }]);
      expect(viaBulk.status).toBe(200);
      expect(viaBulk.body.Operations[0].status).toBe('201');
    } finally {
      await app.close();
    }
  });

  test('malformed requests are 400; a read-only token is 403; no token is 401', async () => {
    const tenant = await createTenant(t, { scopes: ['scim:read'] });
    const readOnly = scimClient(t.url, tenant.directoryId, tenant.token);
    expect((await bulk(readOnly, [postUser('a', 'a')])).status).toBe(403);
    expect((await http(`${readOnly.base}/Bulk`, { method: 'POST', body: {} })).status).toBe(401);
    const scim = await directory();
    for (const body of [
      [],
      { Operations: 'x' },
      { schemas: ['urn:wrong'], Operations: [postUser('a', 'a')] },
    ]) {
      const res = await scim.post('/Bulk', body);
      expect(res.status).toBe(400);
      expect(res.body.status).toBe('400');
    }
    for (const failOnErrors of [0, -1, 1.5, '1']) {
      expect((await bulk(scim, [postUser('a', 'a')], { failOnErrors })).status).toBe(400);
    }
    // `schemas` may be absent, as in PATCH.
    const res = await scim.post('/Bulk', { Operations: [postUser('a', 'a')] });
    expect(res.status).toBe(200);
    expect(await count(scim, 'Users')).toBe(1);
  });
});
