/**
 * Shared set-up for the per-provider conformance tests (`test/providers/*.test.ts`): one app per file, a fresh
 * directory of that provider per sequence, and helpers that read state back through the SCIM API, so every step
 * of a replayed sequence is checked by what a later GET shows, not by its status code alone.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { PATCH_OP, type ScimClient, scimClient } from './scim-client.js';
import { type TestApp, createTenant, startTestApp } from './test-app.js';

export interface ProviderApp {
  app(): TestApp;
  /** A new organization and directory with this provider, and a SCIM client holding its token. */
  directory(): Promise<ScimClient>;
}

/** Starts one app for the calling test file (in `beforeAll`) and stops it afterwards. */
export function useProviderApp(provider: string): ProviderApp {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startTestApp();
  });
  afterAll(async () => {
    await started?.close();
  });
  const app = (): TestApp => {
    if (!started) throw new Error('the test app is not started');
    return started;
  };
  return {
    app,
    async directory() {
      const tenant = await createTenant(app(), { provider });
      return scimClient(app().url, tenant.directoryId, tenant.token);
    },
  };
}

/** A PatchOp request body. */
export const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

/** POSTs a resource, expects 201 and returns its id. */
export async function created(scim: ScimClient, path: '/Users' | '/Groups', body: unknown): Promise<string> {
  const res = await scim.post(path, body);
  expect(res.status, res.text).toBe(201);
  expect(typeof res.body.id).toBe('string');
  return res.body.id as string;
}

/** GETs a resource that must exist and returns its body. */
export async function read(scim: ScimClient, path: string): Promise<Record<string, any>> {
  const res = await scim.get(path);
  expect(res.status, res.text).toBe(200);
  return res.body as Record<string, any>;
}

/** The member ids of a group, sorted. */
export async function memberIds(scim: ScimClient, groupId: string): Promise<string[]> {
  const group = await read(scim, `/Groups/${groupId}`);
  return ((group.members ?? []) as { value: string }[]).map((m) => m.value).sort();
}

/** The ids of the groups `User.groups` lists for a user, sorted. */
export async function groupIdsOf(scim: ScimClient, userId: string): Promise<string[]> {
  const user = await read(scim, `/Users/${userId}`);
  return ((user.groups ?? []) as { value: string }[]).map((g) => g.value).sort();
}

/** GETs a list, checks it is a ListResponse with integer counters, and returns it. */
export async function list(scim: ScimClient, path: string): Promise<ListBody> {
  const res = await scim.get(path);
  expect(res.status, res.text).toBe(200);
  const body = res.body as ListBody;
  expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
  expect(Number.isInteger(body.totalResults)).toBe(true);
  if (body.startIndex !== undefined) expect(Number.isInteger(body.startIndex)).toBe(true);
  if (body.itemsPerPage !== undefined) expect(Number.isInteger(body.itemsPerPage)).toBe(true);
  return { ...body, Resources: body.Resources ?? [] };
}

export interface ListBody {
  schemas: string[];
  totalResults: number;
  startIndex?: number;
  itemsPerPage?: number;
  Resources: Record<string, any>[];
}

/** A query-string filter, encoded as `encodeURIComponent` does (spaces as `%20`). */
export const filter = (expression: string): string => `filter=${encodeURIComponent(expression)}`;

/** `[...ids].sort()`, for comparing with `memberIds`. */
export const sorted = (...ids: string[]): string[] => [...ids].sort();
