/** `/organizations` and the directories inside one. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { OrganizationId } from '../../shared/ids.js';
import * as tenants from '../../tenants/organizations.js';
import { principalOf } from '../request-context.js';
import type { AppContext } from '../app-context.js';
import { AdminError } from './admin-error.js';
import {
  CreateDirectoryBody,
  CreateOrganizationBody,
  Directory,
  ListQuery,
  Organization,
  OrganizationIdParams,
  UpdateOrganizationBody,
  errorResponses,
  noContentResponses,
  listOf,
} from './admin-schemas.js';
import { directoryView, fromCursor, organizationView, toPage } from './admin-views.js';

export const organizationRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  const { pool } = ctx.db;
  const tags = ['organizations'];

  app.post(
    '/organizations',
    { schema: { tags, body: CreateOrganizationBody, response: { 201: Organization, ...errorResponses } } },
    async (request, reply) => {
      const org = await tenants.createOrganization(pool, principalOf(request), request.body);
      return reply.status(201).send(organizationView(org));
    },
  );

  app.get(
    '/organizations',
    { schema: { tags, querystring: ListQuery, response: { 200: listOf(Organization), ...errorResponses } } },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await tenants.listOrganizations(pool, principalOf(request), {
        after: fromCursor(cursor),
        limit: limit + 1,
      });
      return toPage(rows, limit, (o) => o.id, organizationView);
    },
  );

  app.get(
    '/organizations/:organizationId',
    { schema: { tags, params: OrganizationIdParams, response: { 200: Organization, ...errorResponses } } },
    async (request) => {
      const org = await tenants.getOrganization(
        pool,
        principalOf(request),
        request.params.organizationId as OrganizationId,
      );
      if (!org) throw AdminError.notFound('organization');
      return organizationView(org);
    },
  );

  app.patch(
    '/organizations/:organizationId',
    {
      schema: {
        tags,
        params: OrganizationIdParams,
        body: UpdateOrganizationBody,
        response: { 200: Organization, ...errorResponses },
      },
    },
    async (request) => {
      const org = await tenants.renameOrganization(
        pool,
        principalOf(request),
        request.params.organizationId as OrganizationId,
        request.body.name,
      );
      if (!org) throw AdminError.notFound('organization');
      return organizationView(org);
    },
  );

  app.delete(
    '/organizations/:organizationId',
    { schema: { tags, params: OrganizationIdParams, response: noContentResponses } },
    async (request, reply) => {
      const deleted = await tenants.deleteOrganization(
        pool,
        principalOf(request),
        request.params.organizationId as OrganizationId,
      );
      if (!deleted) throw AdminError.notFound('organization');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/organizations/:organizationId/directories',
    {
      schema: {
        tags: ['directories'],
        params: OrganizationIdParams,
        body: CreateDirectoryBody,
        response: { 201: Directory, ...errorResponses },
      },
    },
    async (request, reply) => {
      const directory = await tenants.createDirectory(
        pool,
        principalOf(request),
        request.params.organizationId as OrganizationId,
        request.body,
      );
      if (!directory) throw AdminError.notFound('organization');
      return reply.status(201).send(directoryView(directory, ctx.publicUrl()));
    },
  );

  app.get(
    '/organizations/:organizationId/directories',
    {
      schema: {
        tags: ['directories'],
        params: OrganizationIdParams,
        querystring: ListQuery,
        response: { 200: listOf(Directory), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await tenants.listDirectories(
        pool,
        principalOf(request),
        request.params.organizationId as OrganizationId,
        { after: fromCursor(cursor), limit: limit + 1 },
      );
      if (!rows) throw AdminError.notFound('organization');
      return toPage(
        rows,
        limit,
        (d) => d.id,
        (d) => directoryView(d, ctx.publicUrl()),
      );
    },
  );
};
