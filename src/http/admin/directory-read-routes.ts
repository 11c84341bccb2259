/**
 * `/directories/{directoryId}/users|groups`: the normalized directory, read-only (`admin:read`). Lists answer
 * `{ data, nextCursor? }`; a cursor is opaque and continues the listing it came from (same filters).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type {
  DirectoryGroup,
  DirectoryMember,
  DirectoryUser,
  Page,
  Read,
} from '../../directory/directory-reads.js';
import * as reads from '../../directory/directory-reads.js';
import type { DirectoryId } from '../../shared/ids.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import { DirectoryIdParams, errorResponses, listOf } from './admin-schemas.js';
import {
  DirectoryGroupBody,
  DirectoryMemberBody,
  DirectoryUserBody,
  GroupListQuery,
  GroupParams,
  MemberListQuery,
  UserListQuery,
  UserParams,
} from './directory-read-schemas.js';

/** A normalized user as the admin API shows it. */
export const userView = (u: DirectoryUser) => ({
  ...u,
  emails: [...u.emails],
  roles: [...u.roles],
  groupIds: [...u.groupIds],
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
});
const groupView = (g: DirectoryGroup) => ({
  ...g,
  createdAt: g.createdAt.toISOString(),
  updatedAt: g.updatedAt.toISOString(),
});
const memberView = (m: DirectoryMember) => ({ ...m, addedAt: m.addedAt.toISOString() });

const encodeCursor = (position: string): string => Buffer.from(position).toString('base64url');
const decodeCursor = (cursor: string | undefined): string | undefined =>
  cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');

/** The value of a read, or the admin error its absence means. */
function valueOf<T>(read: Read<T>): T {
  if (read.found) return read.value;
  if (read.what === 'cursor') throw new AdminError('validation_failed', 'cursor is not one this API issued');
  throw AdminError.notFound(read.what);
}

function pageOf<T, V>(read: Read<Page<T>>, view: (item: T) => V) {
  const page = valueOf(read);
  return {
    data: page.items.map(view),
    ...(page.next !== undefined ? { nextCursor: encodeCursor(page.next) } : {}),
  };
}

export const directoryReadRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  const { pool } = ctx.db;

  app.get(
    '/directories/:directoryId/users',
    {
      schema: {
        tags: ['directory users'],
        params: DirectoryIdParams,
        querystring: UserListQuery,
        response: { 200: listOf(DirectoryUserBody), ...errorResponses },
      },
    },
    async (request) => {
      const { cursor, ...q } = request.query;
      const read = await reads.listUsers(
        pool,
        principalOf(request),
        request.params.directoryId as DirectoryId,
        { ...q, after: decodeCursor(cursor) },
      );
      return pageOf(read, userView);
    },
  );

  app.get(
    '/directories/:directoryId/users/:userId',
    {
      schema: {
        tags: ['directory users'],
        params: UserParams,
        response: { 200: DirectoryUserBody, ...errorResponses },
      },
    },
    async (request) => {
      const { directoryId, userId } = request.params;
      return userView(
        valueOf(await reads.getUser(pool, principalOf(request), directoryId as DirectoryId, userId)),
      );
    },
  );

  app.get(
    '/directories/:directoryId/groups',
    {
      schema: {
        tags: ['directory groups'],
        params: DirectoryIdParams,
        querystring: GroupListQuery,
        response: { 200: listOf(DirectoryGroupBody), ...errorResponses },
      },
    },
    async (request) => {
      const { cursor, ...q } = request.query;
      const read = await reads.listGroups(
        pool,
        principalOf(request),
        request.params.directoryId as DirectoryId,
        { ...q, after: decodeCursor(cursor) },
      );
      return pageOf(read, groupView);
    },
  );

  app.get(
    '/directories/:directoryId/groups/:groupId',
    {
      schema: {
        tags: ['directory groups'],
        params: GroupParams,
        response: { 200: DirectoryGroupBody, ...errorResponses },
      },
    },
    async (request) => {
      const { directoryId, groupId } = request.params;
      return groupView(
        valueOf(await reads.getGroup(pool, principalOf(request), directoryId as DirectoryId, groupId)),
      );
    },
  );

  app.get(
    '/directories/:directoryId/groups/:groupId/members',
    {
      schema: {
        tags: ['directory groups'],
        description: 'Direct members in member id order',
        params: GroupParams,
        querystring: MemberListQuery,
        response: { 200: listOf(DirectoryMemberBody), ...errorResponses },
      },
    },
    async (request) => {
      const { directoryId, groupId } = request.params;
      const read = await reads.listMembers(pool, principalOf(request), directoryId as DirectoryId, groupId, {
        limit: request.query.limit,
        after: decodeCursor(request.query.cursor),
      });
      return pageOf(read, memberView);
    },
  );
};
