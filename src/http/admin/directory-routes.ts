/** `/directories/{directoryId}`: read, update (name, state) and delete one directory. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DirectoryId } from '../../shared/ids.js';
import * as tenants from '../../tenants/organizations.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import {
  Directory,
  DirectoryIdParams,
  UpdateDirectoryBody,
  errorResponses,
  noContentResponses,
} from './admin-schemas.js';
import { directoryView } from './admin-views.js';

export const directoryRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  const { pool } = ctx.db;
  const tags = ['directories'];

  app.get(
    '/directories/:directoryId',
    { schema: { tags, params: DirectoryIdParams, response: { 200: Directory, ...errorResponses } } },
    async (request) => {
      const directory = await tenants.getDirectory(
        pool,
        principalOf(request),
        request.params.directoryId as DirectoryId,
      );
      if (!directory) throw AdminError.notFound('directory');
      return directoryView(directory, ctx.publicUrl());
    },
  );

  app.patch(
    '/directories/:directoryId',
    {
      schema: {
        tags,
        params: DirectoryIdParams,
        body: UpdateDirectoryBody,
        response: { 200: Directory, ...errorResponses },
      },
    },
    async (request) => {
      const directory = await tenants.updateDirectory(
        pool,
        principalOf(request),
        request.params.directoryId as DirectoryId,
        request.body,
      );
      if (!directory) throw AdminError.notFound('directory');
      return directoryView(directory, ctx.publicUrl());
    },
  );

  app.delete(
    '/directories/:directoryId',
    { schema: { tags, params: DirectoryIdParams, response: noContentResponses } },
    async (request, reply) => {
      const deleted = await tenants.deleteDirectory(
        pool,
        principalOf(request),
        request.params.directoryId as DirectoryId,
      );
      if (!deleted) throw AdminError.notFound('directory');
      return reply.status(204).send(null);
    },
  );
};
