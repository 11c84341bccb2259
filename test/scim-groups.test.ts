/** SCIM Groups and membership through HTTP against real PostgreSQL (RFC 7643 §4.2, RFC 7644 §3.5.2). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GROUP_SCHEMA, PATCH_OP, type ScimClient, scimClient, userBody } from './support/scim-client.js';
import { type TestApp, createTenant, startTestApp } from './support/test-app.js';

let t: TestApp;
let scim: ScimClient;
beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t);
  scim = scimClient(t.url, tenant.directoryId, tenant.token);
});
afterAll(() => t.close());

async function user(name: string): Promise<string> {
  const res = await scim.post('/Users', userBody(name, { displayName: name.toUpperCase() }));
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const patch = (id: string, ...Operations: unknown[]) =>
  scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations });

describe('groups', () => {
  test('created with members; GET returns members with value, $ref, type and display', async () => {
    const alice = await user('alice.g');
    const res = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Tour Guides',
      members: [{ value: alice, display: 'alice@example.com' }],
    });
    expect(res.status).toBe(201);
    expect(res.body.members).toEqual([
      // The client's label is kept (Okta reads back the email it sent); without one the user's own name shows.
      { value: alice, $ref: `${scim.base}/Users/${alice}`, type: 'User', display: 'alice@example.com' },
    ]);
    const bob = await user('bob.g');
    await patch(res.body.id, { op: 'add', path: 'members', value: [{ value: bob }] });
    const both = (await scim.get(`/Groups/${res.body.id}`)).body.members as {
      value: string;
      display: string;
    }[];
    expect(both.find((m) => m.value === bob)?.display).toBe('BOB.G');
    const read = await scim.get(`/Groups/${res.body.id}`);
    expect(read.body.members).toHaveLength(2);
    const slim = await scim.get(`/Groups/${res.body.id}?excludedAttributes=members`);
    expect(slim.body).not.toHaveProperty('members');
    expect(slim.body.displayName).toBe('Tour Guides');
  });

  test('displayName is unique per directory, case-insensitively', async () => {
    expect((await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Admins' })).status).toBe(201);
    const dup = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'ADMINS' });
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe('uniqueness');
  });

  test('PATCH adds and removes members in every form IdPs send; User.groups follows', async () => {
    const [a, b, c] = [await user('pa'), await user('pb'), await user('pc')];
    const group = (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Patched' })).body;
    const ids = async () =>
      ((await scim.get(`/Groups/${group.id}`)).body.members ?? [])
        .map((m: { value: string }) => m.value)
        .sort();

    expect(
      (await patch(group.id, { op: 'Add', path: 'members', value: [{ $ref: null, value: a }, { value: b }] }))
        .status,
    ).toBe(200);
    expect(await ids()).toEqual([a, b].sort());
    expect((await scim.get(`/Users/${a}`)).body.groups).toEqual([
      { value: group.id, $ref: `${scim.base}/Groups/${group.id}`, display: 'Patched', type: 'direct' },
    ]);

    // Entra's default dialect: remove with a value list removes only those members (IDP-QUIRKS §1 item 4).
    await patch(group.id, { op: 'Remove', path: 'members', value: [{ value: a }] });
    expect(await ids()).toEqual([b]);
    // RFC form with a value filter.
    await patch(group.id, { op: 'add', path: 'members', value: [{ value: c }] });
    await patch(group.id, { op: 'remove', path: `members[value eq "${b}"]` });
    expect(await ids()).toEqual([c]);
    // Removing a non-member is a no-op, not an error (IDP-QUIRKS §11.2).
    expect((await patch(group.id, { op: 'remove', path: `members[value eq "${a}"]` })).status).toBe(200);
    // Replace sets the whole list; remove without value empties it.
    await patch(group.id, { op: 'replace', path: 'members', value: [{ value: a }, { value: b }] });
    expect(await ids()).toEqual([a, b].sort());
    await patch(group.id, { op: 'remove', path: 'members' });
    expect(await ids()).toEqual([]);
    expect((await scim.get(`/Users/${a}`)).body).not.toHaveProperty('groups');
  });

  test('PUT with the same members changes nothing and keeps the version; a different list changes only the difference', async () => {
    const [a, b, c] = [await user('put.a'), await user('put.b'), await user('put.c')];
    const body = { schemas: [GROUP_SCHEMA], displayName: 'Put Group', members: [{ value: a }, { value: b }] };
    const created = (await scim.post('/Groups', body)).body;
    const same = await scim.put(`/Groups/${created.id}`, body);
    expect(same.status).toBe(200);
    expect(same.body.meta.version).toBe(created.meta.version);
    const changed = await scim.put(`/Groups/${created.id}`, {
      ...body,
      members: [{ value: b }, { value: c }],
    });
    expect(changed.body.meta.version).not.toBe(created.meta.version);
    expect(changed.body.members.map((m: { value: string }) => m.value).sort()).toEqual([b, c].sort());
  });

  test('unknown member ids are skipped rather than failing the push', async () => {
    const a = await user('known.member');
    const group = (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Lenient' })).body;
    const res = await patch(group.id, {
      op: 'add',
      path: 'members',
      value: [{ value: a }, { value: '01a20000-0000-7000-8000-000000000000' }, { value: 'garbage' }],
    });
    expect(res.status).toBe(200);
    expect(
      (await scim.get(`/Groups/${group.id}`)).body.members.map((m: { value: string }) => m.value),
    ).toEqual([a]);
  });

  test('no-path replace renames and keeps members (Okta, authentik)', async () => {
    const a = await user('kept.member');
    const group = (
      await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Before', members: [{ value: a }] })
    ).body;
    await patch(group.id, { op: 'replace', value: { id: group.id, displayName: 'After' } });
    const read = (await scim.get(`/Groups/${group.id}`)).body;
    expect(read.displayName).toBe('After');
    expect(read.members).toHaveLength(1);
  });

  test('nested groups make indirect memberships', async () => {
    const a = await user('nested.user');
    const inner = (
      await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Inner', members: [{ value: a }] })
    ).body;
    const outer = (
      await scim.post('/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Outer',
        members: [{ value: inner.id, type: 'Group' }],
      })
    ).body;
    const groups = (await scim.get(`/Users/${a}`)).body.groups as { value: string; type: string }[];
    expect(groups.map((g) => [g.value, g.type]).sort()).toEqual(
      [
        [inner.id, 'direct'],
        [outer.id, 'indirect'],
      ].sort(),
    );
  });

  test('User.groups through a cycle of nested groups, alike on GET, userName lookup, list page and PATCH', async () => {
    const [a, b] = [await user('cycle.a'), await user('cycle.b')];
    const group = async (displayName: string, members: { value: string; type?: string }[]) =>
      (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName, members })).body.id as string;
    // Gamma ∋ Beta ∋ Alpha ∋ Gamma: a cycle. a is in Alpha and Gamma directly, b in Beta.
    const alpha = await group('Cycle Alpha', [{ value: a }]);
    const beta = await group('Cycle Beta', [{ value: b }, { value: alpha, type: 'Group' }]);
    const gamma = await group('Cycle Gamma', [{ value: a }, { value: beta, type: 'Group' }]);
    expect((await patch(alpha, { op: 'add', path: 'members', value: [{ value: gamma }] })).status).toBe(200);
    const expected = {
      [a]: [
        [alpha, 'direct'],
        [beta, 'indirect'],
        [gamma, 'direct'],
      ],
      [b]: [
        [alpha, 'indirect'],
        [beta, 'direct'],
        [gamma, 'indirect'],
      ],
    };
    const shown = (body: { groups?: { value: string; type: string; display: string }[] }) =>
      (body.groups ?? []).map((g) => [g.value, g.type]);
    for (const [id, name] of [
      [a, 'cycle.a'],
      [b, 'cycle.b'],
    ] as const) {
      // Ordered by display name on every path.
      expect(shown((await scim.get(`/Users/${id}`)).body)).toEqual(expected[id]);
      const byName = await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`);
      expect(shown(byName.body.Resources[0])).toEqual(expected[id]);
      const patched = await scim.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'nickName', value: 'cyclist' }],
      });
      expect(shown(patched.body)).toEqual(expected[id]);
    }
    const page = await scim.get(
      `/Users?filter=${encodeURIComponent('userName sw "cycle."')}&sortBy=userName`,
    );
    expect(page.body.Resources.map(shown)).toEqual([expected[a], expected[b]]);
  });

  test('an add naming members the group has and members it lacks adds only the new ones, once', async () => {
    const [a, b, c, d] = [await user('mix.a'), await user('mix.b'), await user('mix.c'), await user('mix.d')];
    const group = (
      await scim.post('/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Mixed',
        members: [{ value: a }, { value: b }],
      })
    ).body;
    const members = async () =>
      ((await scim.get(`/Groups/${group.id}`)).body.members as { value: string }[])
        .map((m) => m.value)
        .sort();
    const res = await patch(group.id, {
      op: 'add',
      path: 'members',
      value: [{ value: b }, { value: c }, { value: a }, { value: c.toUpperCase() }, { value: d }],
    });
    expect(res.status).toBe(200);
    expect(await members()).toEqual([a, b, c, d].sort());
    // And once more, all present: nothing changes, the version stays.
    const again = await patch(group.id, { op: 'add', path: 'members', value: [{ value: d }, { value: a }] });
    expect(again.status).toBe(200);
    expect(again.body.meta.version).toBe(res.body.meta.version);
    expect(await members()).toEqual([a, b, c, d].sort());
  });

  test('50 concurrent PATCHes adding different members to one group lose none', async () => {
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => user(`concurrent.${i}`)));
    const group = (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Busy' })).body;
    const results = await Promise.all(
      ids.map((id) => patch(group.id, { op: 'add', path: 'members', value: [{ value: id }] })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const members = (await scim.get(`/Groups/${group.id}`)).body.members as { value: string }[];
    expect(members.map((m) => m.value).sort()).toEqual([...ids].sort());
  });

  test('Entra directories get 204 from PATCH (IDP-QUIRKS §11.4), others 200 with the resource', async () => {
    const entra = await createTenant(t, { provider: 'entra' });
    const entraScim = scimClient(t.url, entra.directoryId, entra.token);
    const group = (await entraScim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Entra group' }))
      .body;
    const res = await entraScim.patch(`/Groups/${group.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'displayName', value: 'Renamed' }],
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('etag')).toMatch(/^W\//);
    expect((await entraScim.get(`/Groups/${group.id}`)).body.displayName).toBe('Renamed');

    // A user PATCH too (its groups are not read for a 204); a client that asks for attributes gets them, groups
    // included.
    const member = (await entraScim.post('/Users', userBody('entra.member'))).body;
    await entraScim.patch(`/Groups/${group.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: [{ value: member.id }] }],
    });
    const replace = (value: string) => ({
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'displayName', value }],
    });
    const quiet = await entraScim.patch(`/Users/${member.id}`, replace('Member'));
    expect(quiet.status).toBe(204);
    expect(quiet.headers.get('etag')).toMatch(/^W\//);
    const asked = await entraScim.patch(
      `/Users/${member.id}?attributes=displayName,groups`,
      replace('Member 2'),
    );
    expect(asked.status).toBe(200);
    expect(asked.body.displayName).toBe('Member 2');
    expect(asked.body.groups).toEqual([expect.objectContaining({ value: group.id, display: 'Renamed' })]);
    expect((await entraScim.get(`/Users/${member.id}`)).body.groups).toHaveLength(1);
  });

  test('deleting a user removes it from its groups; deleting a group removes it from users', async () => {
    const a = await user('gone.user');
    const b = await user('staying.user');
    const group = (
      await scim.post('/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Cleanup',
        members: [{ value: a }, { value: b }],
      })
    ).body;
    await scim.delete(`/Users/${a}`);
    expect(
      (await scim.get(`/Groups/${group.id}`)).body.members.map((m: { value: string }) => m.value),
    ).toEqual([b]);
    expect((await scim.delete(`/Groups/${group.id}`)).status).toBe(204);
    expect((await scim.get(`/Groups/${group.id}`)).status).toBe(404);
    expect((await scim.get(`/Users/${b}`)).body).not.toHaveProperty('groups');
  });
});
