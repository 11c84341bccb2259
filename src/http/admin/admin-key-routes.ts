/** `/admin-keys`: platform keys and organization-scoped keys. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CredentialId, OrganizationId } from '../../shared/ids.js';
import * as credentials from '../../tenants/credentials.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import {
  AdminKey,
  AdminKeyListQuery,
  CreateAdminKeyBody,
  IssuedAdminKey,
  KeyParams,
  errorResponses,
  noContentResponses,
  listOf,
} from './admin-schemas.js';
import { credentialView, fromCursor, toPage } from './admin-views.js';

export const adminKeyRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  const { pool } = ctx.db;
  const tags = ['admin keys'];
  const policy = { defaultTtlSeconds: ctx.config.defaultTokenTtlSeconds, now: ctx.now };

  app.post(
    '/admin-keys',
    { schema: { tags, body: CreateAdminKeyBody, response: { 201: IssuedAdminKey, ...errorResponses } } },
    async (request, reply) => {
      const { organizationId, ...rest } = request.body;
      const issued = await credentials.issueAdminKey(
        pool,
        principalOf(request),
        { ...rest, organizationId: organizationId as OrganizationId | undefined },
        policy,
      );
      if (!issued) throw AdminError.notFound('organization');
      return reply.status(201).send({ ...credentialView(issued.credential), key: issued.secret });
    },
  );

  app.get(
    '/admin-keys',
    {
      schema: {
        tags,
        querystring: AdminKeyListQuery,
        response: { 200: listOf(AdminKey), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, organizationId } = request.query;
      const rows = await credentials.listAdminKeys(
        pool,
        principalOf(request),
        organizationId as OrganizationId | undefined,
        { after: fromCursor(cursor), limit: limit + 1 },
      );
      if (!rows) throw AdminError.notFound('organization');
      return toPage(rows, limit, (k) => k.id, credentialView);
    },
  );

  app.delete(
    '/admin-keys/:keyId',
    { schema: { tags, params: KeyParams, response: noContentResponses } },
    async (request, reply) => {
      const revoked = await credentials.revokeAdminKey(
        pool,
        principalOf(request),
        request.params.keyId as CredentialId,
      );
      if (!revoked) throw AdminError.notFound('admin key');
      return reply.status(204).send(null);
    },
  );
};
