/**
 * `/directories/{directoryId}/attribute-mapping` (docs/attribute-mapping.md): the app's names for SCIM attribute
 * paths, read with `admin:read`, replaced (or previewed with `?dryRun=true`) with `admin:write`; and
 * `/directories/{directoryId}/users/{userId}/custom-attributes`, where the app sets the values it owns.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import * as reads from '../../directory/directory-reads.js';
import { setAppAttributes } from '../../directory/app-attributes.js';
import { getAttributeMapping, replaceAttributeMapping } from '../../directory/mapping-changes.js';
import type { DirectoryId } from '../../shared/ids.js';
import type { AppContext } from '../app-context.js';
import { principalOf } from '../request-context.js';
import { AdminError } from './admin-error.js';
import { DirectoryIdParams, errorResponses } from './admin-schemas.js';
import { userView } from './directory-read-routes.js';
import { DirectoryUserBody, UserParams } from './directory-read-schemas.js';

const Owner = Type.Union([Type.Literal('idp'), Type.Literal('app')], {
  description: 'app: the app owns the attribute; the IdP value is recorded in idpAttributes but does not win',
});
const MappingEntryIn = Type.Object({
  name: Type.String({ maxLength: 200, description: 'The app\'s attribute name, e.g. "department"' }),
  path: Type.String({
    maxLength: 1000,
    description: 'A SCIM attribute path, e.g. emails[type eq "work"].value or urn:...:User:department',
  }),
  owner: Type.Optional(Owner),
});
const MappingEntryOut = Type.Object({ name: Type.String(), path: Type.String(), owner: Owner });
const Mapped = Type.Object({
  customAttributes: Type.Record(Type.String(), Type.Unknown()),
  idpAttributes: Type.Record(Type.String(), Type.Unknown()),
});

const MappingBody = Type.Object({ mappings: Type.Array(MappingEntryIn, { maxItems: 1000 }) });
const MappingView = Type.Object({ mappings: Type.Array(MappingEntryOut) });
const MappingChangeView = Type.Object({
  dryRun: Type.Optional(Type.Boolean()),
  mappings: Type.Array(MappingEntryOut),
  affectedUsers: Type.Integer({
    description: 'Users whose normalized state changes (one user.updated each)',
  }),
  sample: Type.Optional(
    Type.Array(Type.Object({ id: Type.String(), userName: Type.String(), before: Mapped, after: Mapped }), {
      description: 'Dry runs only: the first 20 affected users in id order',
    }),
  ),
});
const MappingQuery = Type.Object({
  dryRun: Type.Boolean({ default: false, description: 'Validate and preview; change nothing' }),
});
const AppAttributesBody = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), {
  maxProperties: 100,
  description: 'App-owned names to values; null clears the app value (the IdP value applies again)',
});

export const attributeMappingRoutes: FastifyPluginAsyncTypebox<AppContext> = async (app, ctx) => {
  const { pool } = ctx.db;
  const tags = ['attribute mapping'];

  app.get(
    '/directories/:directoryId/attribute-mapping',
    { schema: { tags, params: DirectoryIdParams, response: { 200: MappingView, ...errorResponses } } },
    async (request) => {
      const id = request.params.directoryId as DirectoryId;
      const mappings = await getAttributeMapping(pool, principalOf(request), id);
      if (!mappings) throw AdminError.notFound('directory');
      return { mappings };
    },
  );

  app.put(
    '/directories/:directoryId/attribute-mapping',
    {
      schema: {
        tags,
        params: DirectoryIdParams,
        querystring: MappingQuery,
        body: MappingBody,
        response: { 200: MappingChangeView, ...errorResponses },
      },
    },
    async (request) => {
      const { dryRun } = request.query;
      const id = request.params.directoryId as DirectoryId;
      const change = await replaceAttributeMapping(pool, principalOf(request), id, request.body.mappings, {
        dryRun,
      });
      if (!change) throw AdminError.notFound('directory');
      return dryRun ? { dryRun, ...change } : change;
    },
  );

  app.patch(
    '/directories/:directoryId/users/:userId/custom-attributes',
    {
      schema: {
        tags,
        description: "Sets the app's own values of app-owned mapped attributes; returns the normalized user",
        params: UserParams,
        body: AppAttributesBody,
        response: { 200: DirectoryUserBody, ...errorResponses },
      },
    },
    async (request) => {
      const actor = principalOf(request);
      const directoryId = request.params.directoryId as DirectoryId;
      const outcome = await setAppAttributes(pool, actor, directoryId, request.params.userId, request.body);
      if (outcome !== 'done') throw AdminError.notFound(outcome);
      const read = await reads.getUser(pool, actor, directoryId, request.params.userId);
      if (!read.found) throw AdminError.notFound(read.what);
      return userView(read.value);
    },
  );
};
