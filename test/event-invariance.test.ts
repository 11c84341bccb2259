/**
 * Invariance (issue 5 §3): one logical lifecycle (create, rename, change email, add to a group, deactivate,
 * reactivate, remove from the group, delete) driven through each identity provider's request style from
 * IDP-QUIRKS.md yields the same events, ignoring ids and times. The app never sees which IdP or shape it was.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GROUP_SCHEMA, PATCH_OP, type ScimClient, USER_SCHEMA, scimClient } from './support/scim-client.js';
import { type TestApp, createTenant, http, startTestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const USER_NAME = 'ada@example.com';
const FIRST_EMAIL = 'ada@example.com';
const SECOND_EMAIL = 'ada.lovelace@example.com';

/** The user's full state as PUT-only clients send it. */
const fullUser = (given: string, email: string, active: boolean | string, extra: object = {}) => ({
  schemas: [USER_SCHEMA],
  userName: USER_NAME,
  externalId: 'ext-ada',
  name: { givenName: given, familyName: 'Lovelace' },
  emails: [{ value: email, type: 'work', primary: true }],
  active,
  ...extra,
});

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

async function ok(result: Promise<{ status: number; text: string }>, ...statuses: number[]) {
  const res = await result;
  expect(statuses, res.text).toContain(res.status);
}

interface Style {
  createUser(scim: ScimClient): Promise<string>;
  rename(scim: ScimClient, id: string): Promise<void>;
  changeEmail(scim: ScimClient, id: string): Promise<void>;
  addToGroup(scim: ScimClient, groupId: string, id: string): Promise<void>;
  deactivate(scim: ScimClient, id: string): Promise<void>;
  reactivate(scim: ScimClient, id: string): Promise<void>;
  removeFromGroup(scim: ScimClient, groupId: string, id: string): Promise<void>;
}

async function post(scim: ScimClient, body: unknown): Promise<string> {
  const res = await scim.post('/Users', body);
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

const rfcPatchMembers = {
  addToGroup: (scim: ScimClient, g: string, id: string) =>
    ok(scim.patch(`/Groups/${g}`, patch({ op: 'add', path: 'members', value: [{ value: id }] })), 200, 204),
  removeFromGroup: (scim: ScimClient, g: string, id: string) =>
    ok(scim.patch(`/Groups/${g}`, patch({ op: 'remove', path: `members[value eq "${id}"]` })), 200, 204),
};
const valueListMembers = {
  addToGroup: rfcPatchMembers.addToGroup,
  removeFromGroup: (scim: ScimClient, g: string, id: string) =>
    ok(
      scim.patch(`/Groups/${g}`, patch({ op: 'remove', path: 'members', value: [{ value: id }] })),
      200,
      204,
    ),
};

/** PUT-only users (PingFederate, OneLogin templates, AIW Okta), each PUT carrying the whole state. */
const putUsers = (activeText: (active: boolean) => boolean | string, extra: object = {}) => ({
  createUser: (scim: ScimClient) => post(scim, fullUser('Ada', FIRST_EMAIL, activeText(true), extra)),
  rename: (scim: ScimClient, id: string) =>
    ok(scim.put(`/Users/${id}`, { ...fullUser('Augusta', FIRST_EMAIL, activeText(true), extra), id }), 200),
  changeEmail: (scim: ScimClient, id: string) =>
    ok(scim.put(`/Users/${id}`, { ...fullUser('Augusta', SECOND_EMAIL, activeText(true), extra), id }), 200),
  deactivate: (scim: ScimClient, id: string) =>
    ok(scim.put(`/Users/${id}`, { ...fullUser('Augusta', SECOND_EMAIL, activeText(false), extra), id }), 200),
  reactivate: (scim: ScimClient, id: string) =>
    ok(scim.put(`/Users/${id}`, { ...fullUser('Augusta', SECOND_EMAIL, activeText(true), extra), id }), 200),
});

const STYLES: Record<string, { provider: string; style: Style }> = {
  'generic RFC 7644 PATCH with paths': {
    provider: 'generic',
    style: {
      createUser: (scim) => post(scim, fullUser('Ada', FIRST_EMAIL, true)),
      rename: (scim, id) =>
        ok(
          scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'name.givenName', value: 'Augusta' })),
          200,
        ),
      changeEmail: (scim, id) =>
        ok(
          scim.patch(
            `/Users/${id}`,
            patch({
              op: 'replace',
              path: 'emails',
              value: [{ value: SECOND_EMAIL, type: 'work', primary: true }],
            }),
          ),
          200,
        ),
      deactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: false })), 200),
      reactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: true })), 200),
      ...rfcPatchMembers,
    },
  },
  'entra default dialect (capitalised ops, "False" strings, value-list removal)': {
    provider: 'entra',
    style: {
      createUser: (scim) =>
        post(scim, {
          ...fullUser('Ada', FIRST_EMAIL, true),
          schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
          meta: { resourceType: 'User' },
          roles: [],
          addresses: null,
          title: null,
        }),
      rename: (scim, id) =>
        ok(
          scim.patch(`/Users/${id}`, patch({ op: 'Replace', path: 'name.givenName', value: 'Augusta' })),
          204,
        ),
      changeEmail: (scim, id) =>
        ok(
          scim.patch(
            `/Users/${id}`,
            patch({ op: 'Replace', path: 'emails[type eq "work"].value', value: SECOND_EMAIL }),
          ),
          204,
        ),
      addToGroup: (scim, g, id) =>
        ok(
          scim.patch(
            `/Groups/${g}`,
            patch({ op: 'Add', path: 'members', value: [{ $ref: null, value: id }] }),
          ),
          204,
        ),
      deactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' })), 204),
      reactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'True' })), 204),
      removeFromGroup: (scim, g, id) =>
        ok(scim.patch(`/Groups/${g}`, patch({ op: 'Remove', path: 'members', value: [{ value: id }] })), 204),
    },
  },
  'entra aadOptscim062020 (no-path values keyed by paths, filtered removal)': {
    provider: 'entra',
    style: {
      createUser: (scim) => post(scim, fullUser('Ada', FIRST_EMAIL, true)),
      rename: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', value: { 'name.givenName': 'Augusta' } })), 204),
      changeEmail: (scim, id) =>
        ok(
          scim.patch(
            `/Users/${id}`,
            patch({ op: 'replace', value: { 'emails[type eq "work"].value': SECOND_EMAIL } }),
          ),
          204,
        ),
      deactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: false })), 204),
      reactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: true })), 204),
      ...rfcPatchMembers,
    },
  },
  'okta OIN (full PUTs with password and groups, no-path active toggles)': {
    provider: 'okta',
    style: {
      createUser: (scim) =>
        post(scim, {
          ...fullUser('Ada', FIRST_EMAIL, true),
          password: 't1meMachine',
          groups: [],
          locale: 'en-GB',
        }),
      rename: (scim, id) =>
        ok(
          scim.put(`/Users/${id}`, {
            ...fullUser('Augusta', FIRST_EMAIL, true),
            id,
            groups: [],
            meta: { resourceType: 'User' },
          }),
          200,
        ),
      changeEmail: (scim, id) =>
        ok(
          scim.put(`/Users/${id}`, {
            ...fullUser('Augusta', SECOND_EMAIL, true),
            id,
            emails: [{ value: SECOND_EMAIL, type: 'work', primary: true, display: SECOND_EMAIL }],
          }),
          200,
        ),
      deactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', value: { active: false } })), 200),
      reactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', value: { active: true } })), 200),
      addToGroup: (scim, g, id) =>
        ok(
          scim.patch(
            `/Groups/${g}`,
            patch({ op: 'add', path: 'members', value: [{ value: id, display: USER_NAME }] }),
          ),
          200,
        ),
      removeFromGroup: rfcPatchMembers.removeFromGroup,
    },
  },
  'jumpcloud (one replace per path, value-list removal)': {
    provider: 'jumpcloud',
    style: {
      createUser: (scim) => post(scim, fullUser('Ada', FIRST_EMAIL, true)),
      rename: (scim, id) =>
        ok(
          scim.patch(
            `/Users/${id}`,
            patch(
              { op: 'replace', path: 'name.givenName', value: 'Augusta' },
              { op: 'replace', path: 'name.familyName', value: 'Lovelace' },
            ),
          ),
          200,
        ),
      changeEmail: (scim, id) =>
        ok(
          scim.patch(
            `/Users/${id}`,
            patch({
              op: 'replace',
              path: 'emails',
              value: [{ value: SECOND_EMAIL, type: 'work', primary: true }],
            }),
          ),
          200,
        ),
      deactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: false })), 200),
      reactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: true })), 200),
      ...valueListMembers,
    },
  },
  'pingfederate (users by full PUT only)': {
    provider: 'pingfederate',
    style: { ...putUsers((active) => active), ...rfcPatchMembers },
  },
  'onelogin (template PUTs with string booleans and emails as an object)': {
    provider: 'onelogin',
    style: {
      ...putUsers((active) => String(active), { id: null }),
      createUser: (scim) =>
        post(scim, {
          ...fullUser('Ada', FIRST_EMAIL, 'true'),
          schemas: ['urn:scim:schemas:core:1.0'],
          emails: { value: FIRST_EMAIL, type: 'work', primary: 'true' },
          title: '',
        }),
      ...rfcPatchMembers,
    },
  },
  'authentik (PatchOp without schemas, PUT users with id, value-list removal)': {
    provider: 'authentik',
    style: {
      ...putUsers((active) => active),
      ...valueListMembers,
      addToGroup: (scim, g, id) =>
        ok(
          scim.patch(`/Groups/${g}`, {
            Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
          }),
          200,
        ),
    },
  },
  'keycloak plugin ("false" strings, groups replaced by PUT with relative $ref)': {
    provider: 'keycloak',
    style: {
      createUser: (scim) => post(scim, fullUser('Ada', FIRST_EMAIL, true)),
      rename: (scim, id) =>
        ok(
          scim.put(`/Users/${id}`, {
            ...fullUser('Augusta', FIRST_EMAIL, true),
            id,
            meta: { location: `Users/${id}` },
          }),
          200,
        ),
      changeEmail: (scim, id) =>
        ok(scim.put(`/Users/${id}`, { ...fullUser('Augusta', SECOND_EMAIL, true), id }), 200),
      deactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: 'false' })), 200),
      reactivate: (scim, id) =>
        ok(scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: 'true' })), 200),
      addToGroup: (scim, g, id) =>
        ok(
          scim.put(`/Groups/${g}`, {
            schemas: [GROUP_SCHEMA],
            id: g,
            displayName: 'Engineering',
            members: [{ value: id, $ref: `Users/${id}` }],
          }),
          200,
        ),
      removeFromGroup: (scim, g) =>
        ok(
          scim.put(`/Groups/${g}`, {
            schemas: [GROUP_SCHEMA],
            id: g,
            displayName: 'Engineering',
            members: [],
          }),
          200,
        ),
    },
  },
};

/** Drives the lifecycle and returns its events with ids replaced by roles and times dropped. */
async function lifecycle(provider: string, style: Style): Promise<unknown[]> {
  const tenant = await createTenant(t, { provider });
  const scim = scimClient(t.url, tenant.directoryId, tenant.token);
  const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering' });
  expect(group.status, group.text).toBe(201);
  const groupId = group.body.id as string;
  const id = await style.createUser(scim);
  await style.rename(scim, id);
  await style.changeEmail(scim, id);
  await style.addToGroup(scim, groupId, id);
  await style.deactivate(scim, id);
  await style.reactivate(scim, id);
  await style.removeFromGroup(scim, groupId, id);
  await ok(scim.delete(`/Users/${id}`), 204);

  const res = await http(`${t.url}/api/v1/events?directoryId=${tenant.directoryId}&limit=1000`, {
    key: t.adminKey,
  });
  expect(res.status).toBe(200);
  const roles = new Map([
    [id, 'USER'],
    [groupId, 'GROUP'],
  ]);
  const anonymize = (value: unknown): unknown =>
    typeof value === 'string'
      ? (roles.get(value) ?? value)
      : Array.isArray(value)
        ? value.map(anonymize)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, anonymize(v)]))
          : value;
  // The directory's own `directory.activated` names its provider; the lifecycle's events are what must match.
  const lifecycleEvents = (res.body.data as Record<string, unknown>[]).filter(
    (e) => !String(e.type).startsWith('directory.'),
  );
  return lifecycleEvents.map(({ type, data, previous }) =>
    anonymize({ type, data, ...(previous ? { previous } : {}) }),
  );
}

describe('the same lifecycle through every IdP request style yields the same events', () => {
  let reference: unknown[];
  beforeAll(async () => {
    const { provider, style } = STYLES['generic RFC 7644 PATCH with paths']!;
    reference = await lifecycle(provider, style);
  });

  test('the reference lifecycle is what the app expects', () => {
    expect(reference.map((e) => (e as { type: string }).type)).toEqual([
      'group.created',
      'user.created',
      'user.updated',
      'user.updated',
      'group.member_added',
      'user.deactivated',
      'user.reactivated',
      'group.member_removed',
      'user.deleted',
    ]);
    expect((reference[2] as { previous: unknown }).previous).toEqual({
      firstName: 'Ada',
      displayName: 'Ada Lovelace',
    });
    expect((reference[3] as { previous: unknown }).previous).toEqual({
      email: FIRST_EMAIL,
      emails: [{ value: FIRST_EMAIL, type: 'work', primary: true }],
    });
  });

  for (const [name, { provider, style }] of Object.entries(STYLES)) {
    if (provider === 'generic') continue;
    test(name, async () => {
      expect(await lifecycle(provider, style)).toEqual(reference);
    });
  }
});
