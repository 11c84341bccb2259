/**
 * `/Users` and `/Groups` (RFC 7644 §3.3-3.6) and `/.search` (§3.4.3). Thin: parse, call one use case, render with
 * `meta.location`, a weak `ETag` and the `attributes`/`excludedAttributes` projection (§3.9).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as groups from '../../directory/groups.js';
import type { GroupResult } from '../../directory/groups.js';
import { isNotModified } from '../../directory/preconditions.js';
import type { DirectoryScope } from '../../directory/scope.js';
import { searchDirectory } from '../../directory/search.js';
import * as users from '../../directory/users.js';
import type { UserResult } from '../../directory/users.js';
import {
  type ListQuery,
  parseListQuery,
  toListResponse,
  toListResponseBytes,
} from '../../scim/list-response.js';
import { keepsStoredResource, projectResource } from '../../scim/projection.js';
import {
  type GroupRef,
  type StoredResource,
  etagOf,
  toScimGroup,
  toScimUser,
  userJsonWriter,
} from '../../scim/render.js';
import type { Tolerance } from '../../scim/normalizations.js';
import { ScimError } from '../../scim/scim-error.js';
import { profileOf } from '../../tenants/provider-profiles.js';
import type { AppContext } from '../app-context.js';
import { directoryScopeOf, toleranceOf } from './scim-request.js';
import { directoryModelOf, principalOf } from '../request-context.js';

export const PAGING = { defaultCount: 100, maxCount: 1000 };

type IdParams = { Params: { id: string } };

/** User attributes a stored resource never holds (RFC 7643 §4.1.1: `password` is write-only; see patch.ts). */
const NEVER_STORED: ReadonlySet<string> = new Set(['password']);

/** A stored resource's JSON text parsed, for a renderer that must rewrite it. */
const parsed = (row: users.UserJsonResult['row']): StoredResource => ({
  id: row.id,
  version: row.version,
  created_at: new Date(row.created),
  updated_at: new Date(row.last_modified),
  resource: JSON.parse(row.resource_json) as Record<string, unknown>,
});

/** An `attributes`/`excludedAttributes` entry naming the attribute, bare, by URN or by a sub-attribute. */
const NAMES = { groups: /(^|:)groups(\.|$)/i, members: /(^|:)members(\.|$)/i };

export async function resourceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { pool } = ctx.db;
  const baseUrl = (scope: DirectoryScope): string => `${ctx.publicUrl()}/scim/v2/${scope.directoryId}`;

  const scopeOf = directoryScopeOf;
  const projection = (request: FastifyRequest) => {
    const q = parseListQuery(request.query as Record<string, unknown>, PAGING);
    return { attributes: q.attributes, excludedAttributes: q.excludedAttributes };
  };
  const model = directoryModelOf;
  const renderUser = (
    request: FastifyRequest,
    r: { row: StoredResource; groups: readonly GroupRef[] },
    p: ReturnType<typeof projection>,
  ) =>
    projectResource(toScimUser(r.row, r.groups, baseUrl(scopeOf(request))), model(request).schemas.user, p);
  const renderGroup = (request: FastifyRequest, r: GroupResult, p: ReturnType<typeof projection>) =>
    projectResource(
      toScimGroup(r.row, r.members, baseUrl(scopeOf(request))),
      model(request).schemas.group,
      p,
    );
  const tolerance = (request: FastifyRequest): Tolerance => toleranceOf(ctx, request);
  const ifMatch = (request: FastifyRequest): string | undefined => request.headers['if-match'];
  const send = (reply: FastifyReply, status: number, version: number, body: unknown, location?: string) => {
    void reply.status(status).header('etag', etagOf(version));
    if (location) void reply.header('location', location);
    return reply.send(body);
  };
  /**
   * RFC 7644 §3.5.2: a PATCH answers 200 with the resource, or 204, as the directory's provider profile says:
   * 200 by default (Okta reads the resource back), 204 for Entra, whose provisioning service and test collection
   * expect it (IDP-QUIRKS §11.4); a client that asks for attributes always gets them.
   */
  const prefersNoContent = (
    request: FastifyRequest,
    p: { attributes: string[]; excludedAttributes: string[] },
  ) =>
    profileOf(principalOf(request).directory?.provider).patchResponse === 204 &&
    p.attributes.length === 0 &&
    p.excludedAttributes.length === 0;
  /** Whether a response with this projection shows `attribute` (so it is worth loading). */
  const shows = (
    attribute: 'groups' | 'members',
    q: { attributes: string[]; excludedAttributes: string[] },
  ) => {
    const pattern = NAMES[attribute];
    const named = (list: string[]) => list.some((a) => pattern.test(a));
    return q.attributes.length > 0 ? named(q.attributes) : !named(q.excludedAttributes);
  };
  const wantsMembers = (q: { attributes: string[]; excludedAttributes: string[] }) => shows('members', q);
  /** What every PUT and PATCH use case takes from the request. */
  const writeArgs = (request: FastifyRequest<IdParams>) =>
    [
      pool,
      scopeOf(request),
      model(request),
      request.params.id,
      request.body,
      ifMatch(request),
      tolerance(request),
    ] as const;
  /** The answer to a PUT or PATCH: 404 when there is no such resource, else 200 with it, or 204 (`noContent`). */
  const answerWrite = <R extends { row: { version: number } }>(
    request: FastifyRequest<IdParams>,
    reply: FastifyReply,
    type: 'User' | 'Group',
    result: R | undefined,
    render: (result: R) => unknown,
    noContent = false,
  ) => {
    if (!result) throw ScimError.notFound(`${type} ${request.params.id} not found`);
    if (noContent) return reply.status(204).header('etag', etagOf(result.row.version)).send();
    return send(reply, 200, result.row.version, render(result));
  };

  // Users
  app.post('/:directoryId/Users', async (request, reply) => {
    const scope = scopeOf(request);
    const result = await users.createUser(pool, scope, model(request), request.body, tolerance(request));
    const location = `${baseUrl(scope)}/Users/${result.row.id}`;
    return send(reply, 201, result.row.version, renderUser(request, result, projection(request)), location);
  });
  app.get<IdParams>('/:directoryId/Users/:id', async (request, reply) => {
    const scope = scopeOf(request);
    const result = await users.getUser(pool, scope, request.params.id);
    if (!result) throw ScimError.notFound(`User ${request.params.id} not found`);
    if (isNotModified(request.headers['if-none-match'], result.row.version)) {
      return reply.status(304).header('etag', etagOf(result.row.version)).send();
    }
    return send(reply, 200, result.row.version, renderUser(request, result, projection(request)));
  });
  app.put<IdParams>('/:directoryId/Users/:id', async (request, reply) => {
    const result = await users.replaceUser(...writeArgs(request));
    return answerWrite(request, reply, 'User', result, (r) => renderUser(request, r, projection(request)));
  });
  app.patch<IdParams>('/:directoryId/Users/:id', async (request, reply) => {
    const p = projection(request);
    const noContent = prefersNoContent(request, p);
    const result = await users.patchUser(...writeArgs(request), !noContent && shows('groups', p));
    const render = (r: UserResult) => renderUser(request, r, p);
    return answerWrite(request, reply, 'User', result, render, noContent);
  });
  app.delete<IdParams>('/:directoryId/Users/:id', async (request, reply) => {
    const deleted = await users.deleteUser(
      pool,
      scopeOf(request),
      model(request),
      request.params.id,
      ifMatch(request),
    );
    if (!deleted) throw ScimError.notFound(`User ${request.params.id} not found`);
    return reply.status(204).send();
  });

  const listUsers = async (request: FastifyRequest, q: ListQuery) => {
    const scope = scopeOf(request);
    if (keepsStoredResource(model(request).schemas.user, q, NEVER_STORED)) return listUserJsons(request, q);
    const page = await users.listUsers(pool, scope, model(request), q, shows('groups', q));
    return toListResponse({
      resources: page.results.map((r) => renderUser(request, r, q)),
      ...pageFields(q, page),
    });
  };
  /**
   * A page whose parameters keep every stored attribute (the usual one: no `attributes`) copies each stored
   * resource's JSON text into the response around `id`, `groups` and `meta`: parsing a page of resources and
   * serializing them again was a third of its CPU in Roster.
   */
  const listUserJsons = async (request: FastifyRequest, q: ListQuery) => {
    const scope = scopeOf(request);
    const base = baseUrl(scope);
    const page = await users.listUserJsons(pool, scope, model(request), q, shows('groups', q));
    const write = userJsonWriter(base);
    const json = ({ row, groups }: UserResult | users.UserJsonResult) =>
      'resource_json' in row
        ? (write(row, groups) ?? JSON.stringify(renderUser(request, { row: parsed(row), groups }, q)))
        : JSON.stringify(renderUser(request, { row, groups }, q));
    return toListResponseBytes({
      resources: page.results.map(json),
      ...pageFields(q, page),
    });
  };
  app.get('/:directoryId/Users', (request) =>
    listUsers(request, parseListQuery(request.query as Record<string, unknown>, PAGING)),
  );
  app.post('/:directoryId/Users/.search', { config: { scimScope: 'scim:read' } }, (request) =>
    listUsers(request, parseListQuery(searchBody(request.body), PAGING)),
  );

  // Groups
  app.post('/:directoryId/Groups', async (request, reply) => {
    const scope = scopeOf(request);
    const result = await groups.createGroup(pool, scope, model(request), request.body, tolerance(request));
    const location = `${baseUrl(scope)}/Groups/${result.row.id}`;
    return send(reply, 201, result.row.version, renderGroup(request, result, projection(request)), location);
  });
  app.get<IdParams>('/:directoryId/Groups/:id', async (request, reply) => {
    const scope = scopeOf(request);
    const p = projection(request);
    const result = await groups.getGroup(pool, scope, request.params.id, wantsMembers(p));
    if (!result) throw ScimError.notFound(`Group ${request.params.id} not found`);
    if (isNotModified(request.headers['if-none-match'], result.row.version)) {
      return reply.status(304).header('etag', etagOf(result.row.version)).send();
    }
    return send(reply, 200, result.row.version, renderGroup(request, result, p));
  });
  app.put<IdParams>('/:directoryId/Groups/:id', async (request, reply) => {
    const result = await groups.replaceGroup(...writeArgs(request));
    return answerWrite(request, reply, 'Group', result, (r) => renderGroup(request, r, projection(request)));
  });
  app.patch<IdParams>('/:directoryId/Groups/:id', async (request, reply) => {
    const p = projection(request);
    const noContent = prefersNoContent(request, p);
    const result = await groups.patchGroup(...writeArgs(request), !noContent && wantsMembers(p));
    const render = (r: GroupResult) => renderGroup(request, r, p);
    return answerWrite(request, reply, 'Group', result, render, noContent);
  });
  app.delete<IdParams>('/:directoryId/Groups/:id', async (request, reply) => {
    const deleted = await groups.deleteGroup(pool, scopeOf(request), request.params.id, ifMatch(request));
    if (!deleted) throw ScimError.notFound(`Group ${request.params.id} not found`);
    return reply.status(204).send();
  });

  const listGroups = async (request: FastifyRequest, q: ListQuery) => {
    const scope = scopeOf(request);
    const page = await groups.listGroups(pool, scope, model(request), q, wantsMembers(q));
    return toListResponse({
      resources: page.results.map((r) => renderGroup(request, r, q)),
      ...pageFields(q, page),
    });
  };
  app.get('/:directoryId/Groups', (request) =>
    listGroups(request, parseListQuery(request.query as Record<string, unknown>, PAGING)),
  );
  app.post('/:directoryId/Groups/.search', { config: { scimScope: 'scim:read' } }, (request) =>
    listGroups(request, parseListQuery(searchBody(request.body), PAGING)),
  );

  // RFC 7644 §3.4.3: a search at the root covers every resource type.
  app.post('/:directoryId/.search', { config: { scimScope: 'scim:read' } }, async (request) => {
    const scope = scopeOf(request);
    const q = parseListQuery(searchBody(request.body), PAGING);
    const found = await searchDirectory(pool, scope, model(request), q, wantsMembers(q));
    return toListResponse({
      resources: found.hits.map((hit) =>
        hit.kind === 'User' ? renderUser(request, hit.result, q) : renderGroup(request, hit.result, q),
      ),
      totalResults: found.totalResults,
      startIndex: q.startIndex ?? 1,
    });
  });
}

/** A list response's fields besides its resources (RFC 7644 §3.4.2; cursors per RFC 9865). */
function pageFields(
  q: ListQuery,
  page: { totalResults: number; nextCursor?: string; previousCursor?: string },
) {
  return {
    totalResults: page.totalResults,
    ...(q.startIndex !== undefined ? { startIndex: q.startIndex } : {}),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    ...(page.previousCursor ? { previousCursor: page.previousCursor } : {}),
  };
}

/** RFC 7644 §3.4.3: a SearchRequest body; its `schemas` is not enforced (clients omit it). */
function searchBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ScimError.invalidSyntax('a search request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
