/** `/directories/{directoryId}/tokens`: SCIM bearer tokens for one directory. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CredentialId, DirectoryId } from '../../shared/ids.js';
import * as credentials from '../../tenants/credentials.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import {
  CreateTokenBody,
  DirectoryIdParams,
  IssuedScimToken,
  ListQuery,
  RotateTokenBody,
  ScimToken,
  TokenParams,
  errorResponses,
  noContentResponses,
  listOf,
} from './admin-schemas.js';
import { scimTokenView, fromCursor, toPage } from './admin-views.js';

export const tokenRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  const { pool } = ctx.db;
  const tags = ['tokens'];
  const policy = { defaultTtlSeconds: ctx.config.defaultTokenTtlSeconds, now: ctx.now };

  app.post(
    '/directories/:directoryId/tokens',
    {
      schema: {
        tags,
        params: DirectoryIdParams,
        body: CreateTokenBody,
        response: { 201: IssuedScimToken, ...errorResponses },
      },
    },
    async (request, reply) => {
      const issued = await credentials.issueScimToken(
        pool,
        principalOf(request),
        request.params.directoryId as DirectoryId,
        request.body ?? {},
        policy,
      );
      if (!issued) throw AdminError.notFound('directory');
      return reply.status(201).send({ ...scimTokenView(issued.credential), token: issued.secret });
    },
  );

  app.get(
    '/directories/:directoryId/tokens',
    {
      schema: {
        tags,
        params: DirectoryIdParams,
        querystring: ListQuery,
        response: { 200: listOf(ScimToken), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await credentials.listScimTokens(
        pool,
        principalOf(request),
        request.params.directoryId as DirectoryId,
        { after: fromCursor(cursor), limit: limit + 1 },
      );
      if (!rows) throw AdminError.notFound('directory');
      return toPage(rows, limit, (t) => t.id, scimTokenView);
    },
  );

  app.delete(
    '/directories/:directoryId/tokens/:tokenId',
    { schema: { tags, params: TokenParams, response: noContentResponses } },
    async (request, reply) => {
      const revoked = await credentials.revokeScimToken(
        pool,
        principalOf(request),
        request.params.directoryId as DirectoryId,
        request.params.tokenId as CredentialId,
      );
      if (!revoked) throw AdminError.notFound('token');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/directories/:directoryId/tokens/:tokenId/rotate',
    {
      schema: {
        tags,
        params: TokenParams,
        body: RotateTokenBody,
        response: { 201: IssuedScimToken, ...errorResponses },
      },
    },
    async (request, reply) => {
      const issued = await credentials.rotateScimToken(
        pool,
        principalOf(request),
        request.params.directoryId as DirectoryId,
        request.params.tokenId as CredentialId,
        request.body ?? { graceSeconds: 0 },
        policy,
      );
      if (!issued) throw AdminError.notFound('token');
      return reply.status(201).send({ ...scimTokenView(issued.credential), token: issued.secret });
    },
  );
};
